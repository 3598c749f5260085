"""Gaps: link workers log unmet needs; commissioners see them in aggregate."""

from __future__ import annotations

import pytest

from assets.models import Gap, GapStatus
from tests.assets.factories import AssetFactory, GapFactory

pytestmark = pytest.mark.django_db


def test_link_worker_logs_a_gap(client_for, link_worker):
    client = client_for(link_worker)
    assert client.get("/directory/gaps/new/").status_code == 200
    response = client.post(
        "/directory/gaps/new/",
        {
            "what": "Chair yoga in the evening",
            "category": "physical_activity",
            "area": "M14",
            "people_count": "4",
        },
    )
    assert response.status_code == 302
    gap = Gap.objects.get()
    assert gap.logged_by == link_worker
    assert gap.status == GapStatus.OPEN
    assert "Chair yoga in the evening" in client.get("/directory/gaps/").content.decode()


def test_bad_gap_shows_error_summary_and_saves_nothing(client_for, link_worker):
    response = client_for(link_worker).post(
        "/directory/gaps/new/", {"what": "", "area": "M14", "people_count": "0"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert "This field is required" in body
    assert "greater than or equal to 1" in body
    assert not Gap.objects.exists()


@pytest.mark.parametrize("persona", ["volunteer", "commissioner", "practice_staff"])
def test_only_link_workers_and_admins_see_and_log_gaps(client_for, request, persona):
    gap = GapFactory()
    client = client_for(request.getfixturevalue(persona))
    assert client.get("/directory/gaps/").status_code == 404
    assert client.get("/directory/gaps/new/").status_code == 404
    assert (
        client.post(
            "/directory/gaps/new/", {"what": "x", "area": "y", "people_count": "1"}
        ).status_code
        == 404
    )
    assert client.post(f"/directory/gaps/{gap.pk}/status/", {"status": "filled"}).status_code == 404
    gap.refresh_from_db()
    assert gap.status == GapStatus.OPEN
    assert Gap.objects.count() == 1


def test_anonymous_is_sent_to_sign_in_for_gaps(anon_client):
    assert anon_client.get("/directory/gaps/").status_code == 302
    assert anon_client.get("/directory/gaps/summary/").status_code == 302


def test_gap_status_changes_by_htmx(client_for, link_worker):
    gap = GapFactory()
    response = client_for(link_worker).post(
        f"/directory/gaps/{gap.pk}/status/", {"status": "being_worked_on"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="gap-{gap.pk}"' in body
    assert "<html" not in body
    gap.refresh_from_db()
    assert gap.status == GapStatus.BEING_WORKED_ON


def test_bad_gap_status_changes_nothing(client_for, admin_user):
    gap = GapFactory()
    response = client_for(admin_user).post(f"/directory/gaps/{gap.pk}/status/", {"status": "done"})
    assert response.status_code == 400
    gap.refresh_from_db()
    assert gap.status == GapStatus.OPEN


def test_gap_list_filters_by_status_with_htmx(client_for, link_worker):
    GapFactory(what="Open one")
    GapFactory(what="Filled one", status=GapStatus.FILLED)
    response = client_for(link_worker).get("/directory/gaps/?status=filled", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Filled one" in body
    assert "Open one" not in body
    assert "<html" not in body


def test_gap_list_query_count(client_for, link_worker, django_assert_max_num_queries):
    for _ in range(10):
        GapFactory(logged_by=link_worker)
    client = client_for(link_worker)
    with django_assert_max_num_queries(3):
        client.get("/directory/gaps/")


def test_new_group_is_linked_to_the_gap_it_fills(client_for, link_worker):
    gap = GapFactory(what="Somewhere to knit")
    AssetFactory(name="Knit club", fills_gap=gap)
    body = client_for(link_worker).get("/directory/gaps/").content.decode()
    row = body[body.index(f'id="gap-{gap.pk}"') :]
    assert "<td>1</td>" in row[: row.index("</tr>")]


def test_commissioner_sees_gaps_in_aggregate_without_who_logged_them(
    client_for, commissioner, link_worker
):
    GapFactory(category="physical_activity", people_count=3, logged_by=link_worker)
    GapFactory(category="physical_activity", people_count=2, status=GapStatus.FILLED)
    AssetFactory(fills_gap=GapFactory(category="food", people_count=1))
    response = client_for(commissioner).get("/directory/gaps/summary/")
    assert response.status_code == 200
    body = response.content.decode()
    summary = response.context["summary"]
    by_category = {row["category"]: row for row in summary["by_category"]}
    # Every figure is from 1 to 7 (or would give one away): withheld.
    assert by_category["physical_activity"]["gaps"] is None
    assert by_category["physical_activity"]["people"] is None
    assert by_category["physical_activity"]["withheld"] == ["gaps", "open", "people"]
    assert summary["groups_started"] is None
    assert "* Withheld" in body
    assert "Anna" not in body
    assert "A walking group for beginners" not in body


def _summary_gaps() -> None:
    """Physical activity: 10 open gaps, 2 people each. Food: 7 open and 2 filled, 2 people
    each. By status: 17 open, 0 being worked on, 2 filled."""
    for _ in range(10):
        GapFactory(category="physical_activity", people_count=2)
    for _ in range(7):
        GapFactory(category="food", people_count=2)
    for _ in range(2):
        GapFactory(category="food", people_count=2, status=GapStatus.FILLED)


def test_commissioner_cannot_work_out_a_small_gap_count_by_subtraction(client_for, commissioner):
    """The 2 filled gaps: 10 + 9 gaps by category less 17 open and 0 being worked on would
    give them away; so would food's 9 gaps less its 7 unfilled."""
    _summary_gaps()
    response = client_for(commissioner).get("/directory/gaps/summary/")
    summary = response.context["summary"]
    status = {s.value: row for s, row in summary["by_status"]}
    food = next(r for r in summary["by_category"] if r["category"] == "food")
    activity = next(r for r in summary["by_category"] if r["category"] == "physical_activity")
    assert status["filled"]["gaps"] is None
    assert status["being_worked_on"]["gaps"] == 0
    assert status["open"]["gaps"] is None  # its partner: 19 − 17 would give the 2 away
    assert food["open"] is None  # 7
    assert activity["gaps"] == 10 and activity["open"] == 10
    # Filled food gaps (food's gaps less its unfilled) can't be worked out either.
    assert food["gaps"] is None or food["open"] is None
    # People: 4 filled-gap people (small), so the open gaps' 34 people go with them.
    assert status["filled"]["people"] is None
    assert status["open"]["people"] is None


def test_gap_summary_shows_nothing_recoverable():
    """The summary's own check: no withheld figure from 1 to 7 is determined by the sums."""
    from assets.gap_figures import _table
    from assets.selectors import gaps_summary
    from socialrx.disclosure import protect, recoverable

    _summary_gaps()
    GapFactory(category="befriending", people_count=5, status=GapStatus.BEING_WORKED_ON)
    table = _table(gaps_summary())
    assert recoverable(table, protect(table)) == []


@pytest.mark.parametrize("persona", ["link_worker", "admin_user"])
def test_link_workers_and_admins_see_the_gap_summary_exactly(client_for, request, persona):
    _summary_gaps()
    response = client_for(request.getfixturevalue(persona)).get("/directory/gaps/summary/")
    summary = response.context["summary"]
    status = {s.value: row for s, row in summary["by_status"]}
    assert status["filled"]["gaps"] == 2
    assert status["open"]["gaps"] == 17
    assert not summary["any_withheld"]
    assert "* Withheld" not in response.content.decode()


def test_gap_summary_query_count(client_for, commissioner, django_assert_max_num_queries):
    _summary_gaps()
    client = client_for(commissioner)
    with django_assert_max_num_queries(6):
        client.get("/directory/gaps/summary/")


@pytest.mark.parametrize("persona", ["volunteer", "practice_staff"])
def test_gap_summary_is_not_for_volunteers_or_practice_staff(client_for, request, persona):
    assert (
        client_for(request.getfixturevalue(persona)).get("/directory/gaps/summary/").status_code
        == 404
    )
