"""Commissioner dashboards: overview, metric pages, CSV, recompute, who may use them."""

from __future__ import annotations

import csv
import io
import json
import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import escape

from outcomes.metrics.registry import METRICS
from outcomes.models import MetricSnapshot, Run
from referrals.access import person_get_for
from tests.outcomes.factories_dashboard import (
    Q1,
    YEAR,
    change_values,
    demo_snapshots,
    snapshot_rows,
)
from tests.referrals.factories import PersonFactory

OVERVIEW = "/outcomes/"
FRIENDS = "/outcomes/metrics/friends/"
Q1_KEY = "2026-01-01/2026-03-31"


@pytest.fixture
def snapshots(db, practice_a, pcn):
    demo_snapshots(practices=("A00001",), pcns=("U00001",))


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _cells(html: str) -> list[list[str]]:
    """The figures table as text: one list per row (header cells included)."""
    table = re.search(r'<table class="nhsuk-table" id="figures">(.*?)</table>', html, re.S)
    assert table, "no figures table"
    rows = []
    for tr in re.findall(r"<tr[^>]*>(.*?)</tr>", table.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        rows.append(
            [
                "*" if 'aria-hidden="true">*' in c else re.sub(r"<[^>]+>", "", c).strip()
                for c in cells
            ]
        )
    return rows


# --- who may use them ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        OVERVIEW,
        FRIENDS,
        f"/outcomes/metrics/friends/csv/?period={Q1_KEY}",
    ],
)
@pytest.mark.parametrize("persona", ["link_worker", "practice_staff", "volunteer"])
def test_other_roles_get_404(snapshots, client_for, request, url, persona):
    response = client_for(request.getfixturevalue(persona)).get(url)
    assert response.status_code == 404


@pytest.mark.parametrize("url", [OVERVIEW, FRIENDS])
def test_anonymous_is_sent_to_log_in(snapshots, anon_client, url):
    response = anon_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_commissioner_lands_on_the_overview(db, client_for, commissioner):
    response = client_for(commissioner).get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("outcomes:overview")


def test_commissioner_cannot_open_a_person(db, client_for, commissioner, practice_a):
    person = PersonFactory(practice=practice_a)
    with pytest.raises(Http404):
        person_get_for(user=commissioner, pk=person.pk)
    try:
        url = reverse("referrals:person", args=[person.pk])
    except NoReverseMatch:
        return
    assert client_for(commissioner).get(url).status_code == 404


def test_dashboards_name_no_person(snapshots, client_for, commissioner, practice_a):
    person = PersonFactory(practice=practice_a, given_name="Zebedee", family_name="Quartermaine")
    client = client_for(commissioner)
    for url in (OVERVIEW, FRIENDS, FRIENDS + "?dimension=sex"):
        html = client.get(url).content.decode()
        assert "Quartermaine" not in html
        assert f"/people/{person.pk}/" not in html


# --- overview ------------------------------------------------------------------------------


def test_overview_shows_inquiry_metrics_first_with_headline_cohort_and_caveat(
    snapshots, client_for, commissioner
):
    response = client_for(commissioner).get(OVERVIEW)
    assert response.status_code == 200
    html = response.content.decode()
    order = [html.index(f'id="card-{m}"') for m in METRICS]
    positions = dict(zip(METRICS, order, strict=True))
    inquiry = [positions[m] for m in ("friends", "citizen_led", "coverage", "demand")]
    others = [positions[m] for m in ("connections", "service", "wellbeing")]
    assert inquiry == sorted(inquiry)
    assert max(inquiry) < min(others)
    friends = html[positions["friends"] : positions["citizen_led"]]
    assert "Self-reported; not a count of contacts in any app." in friends
    assert re.search(r"data-headline>1\.0<", friends)  # mean change, one decimal place
    assert re.search(r"data-cohort>120<", friends)  # cohort size
    assert "January to March 2026 (quarter)" in friends
    assert "Computed" in friends
    demand = html[positions["demand"] : positions["connections"]]
    assert "capacity freed in general practice" in demand.lower()
    assert re.search(r"data-headline>-1\.8<", demand)
    assert "SWEMWBS ©" in html
    assert "are withheld and shown as <strong>*</strong>" in html


def test_overview_withholds_a_small_headline(db, client_for, commissioner, admin_user):
    snapshot_rows("friends", total=change_values(5))
    html = client_for(commissioner).get(OVERVIEW).content.decode()
    card = html[html.index('id="card-friends"') : html.index('id="card-citizen_led"')]
    assert "data-headline>*<" in card
    assert "data-cohort>*<" in card
    html = client_for(admin_user).get(OVERVIEW).content.decode()
    card = html[html.index('id="card-friends"') : html.index('id="card-citizen_led"')]
    assert "data-cohort>5<" in card


def test_overview_picks_latest_and_longest_period(snapshots, client_for, commissioner):
    snapshot_rows("friends", total=change_values(300), start=YEAR[0], end=YEAR[1])
    html = client_for(commissioner).get(OVERVIEW).content.decode()
    card = html[html.index('id="card-friends"') : html.index('id="card-citizen_led"')]
    assert "data-cohort>300<" in card
    assert "period=2025-04-01%2F2026-03-31" in card


def test_overview_with_nothing_computed(db, client_for, commissioner):
    html = client_for(commissioner).get(OVERVIEW).content.decode()
    assert html.count("Not computed yet.") == 8


def test_overview_links_gaps_summary_when_it_exists(db, client_for, commissioner):
    html = client_for(commissioner).get(OVERVIEW).content.decode()
    try:
        url = reverse("assets:gaps_summary")
    except NoReverseMatch:
        assert "Gaps in local support" not in html
        return
    assert f'href="{url}"' in html


def test_overview_without_swemwbs_leaves_wellbeing_out(
    snapshots, client_for, commissioner, settings
):
    settings.SWEMWBS_ENABLED = False
    client = client_for(commissioner)
    html = client.get(OVERVIEW).content.decode()
    assert 'id="card-wellbeing"' not in html
    assert client.get("/outcomes/metrics/wellbeing/").status_code == 404


def test_overview_cards_are_made_once_per_computation(snapshots, client_for, commissioner):
    """The second request shows the cards the first made, without loading the rows again; a
    recomputation (new rows under a new time) makes them afresh."""
    import outcomes.overview as overview

    def cards(html: bytes) -> str:
        text = html.decode()
        return text[text.index('id="card-friends"') : text.index("</main>")]

    client = client_for(commissioner)
    first = cards(client.get(OVERVIEW).content)
    with mock.patch.object(overview, "overview_rows_list", side_effect=AssertionError) as rows:
        assert cards(client.get(OVERVIEW).content) == first
        assert rows.call_count == 0
    MetricSnapshot.objects.filter(metric="friends").update(computed_at=timezone.now())
    with mock.patch.object(
        overview, "overview_rows_list", wraps=overview.overview_rows_list
    ) as rows:
        assert client.get(OVERVIEW).status_code == 200
        assert rows.call_count == 1


def test_overview_query_count(snapshots, client_for, commissioner, django_assert_max_num_queries):
    demo_snapshots(start=YEAR[0], end=YEAR[1], practices=("A00001",), pcns=("U00001",))
    client = client_for(commissioner)
    # session, user, periods, practices (for the PCN and practice filters), rows
    with django_assert_max_num_queries(5):
        assert client.get(OVERVIEW).status_code == 200


# --- one metric ----------------------------------------------------------------------------


def test_metric_page_shows_table_chart_caveat_and_computed_time(
    snapshots, client_for, commissioner
):
    response = client_for(commissioner).get(FRIENDS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Self-reported; not a count of contacts in any app." in html
    assert re.search(r'<caption class="nhsuk-table__caption[^"]*" id="table-caption">', html)
    assert 'role="img"' in html
    assert re.search(
        r'<canvas id="chart-canvas" role="img" data-chart="chart-data" aria-label="Bar chart of [^"]+"',
        html,
    )
    data = json.loads(
        re.search(
            r'<script id="chart-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert data["labels"] == [
        "% with more friends",
        "% with the same number",
        "% with fewer friends",
    ]
    assert data["datasets"][0]["data"] == [50.0, 25.0, 25.0]
    assert "chart.umd.min.js" in html
    assert "js/outcomes-chart.js" in html
    assert "Computed " in html
    rows = _cells(html)
    assert rows[0] == ["Measure", "Figure"]
    assert ["People in the cohort", "120"] in rows
    assert ["Mean friends at baseline", "2.0"] in rows
    assert "download>Download this table (CSV)</a>" in html


def test_breakdown_shows_star_and_note_for_withheld_cells(snapshots, client_for, commissioner):
    html = client_for(commissioner).get(FRIENDS, {"dimension": "sex"}).content.decode()
    rows = _cells(html)
    assert rows[0][0] == "Sex"
    other = next(r for r in rows if r[0] == "Other")
    assert other[1:] == ["*"] * 7
    unknown = next(r for r in rows if r[0] == "Unknown")
    assert unknown[1] == "0"
    assert unknown[2] == "–"
    assert 'id="suppression-note"' in html
    data = json.loads(
        re.search(
            r'<script id="chart-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    assert data["labels"] == ["Female", "Male", "Other", "Unknown"]
    assert data["datasets"][0]["data"][2] is None


def test_administrator_sees_exact_values_and_recompute(snapshots, client_for, admin_user):
    html = client_for(admin_user).get(FRIENDS, {"dimension": "sex"}).content.decode()
    other = next(r for r in _cells(html) if r[0] == "Other")
    assert other[1] == "3"
    assert 'id="suppression-note"' not in html
    assert ">Recompute</button>" in html


def test_commissioner_has_no_recompute_button(snapshots, client_for, commissioner):
    html = client_for(commissioner).get(FRIENDS).content.decode()
    assert "Recompute" not in html


def test_level_and_code_select_practice_rows(snapshots, client_for, commissioner, practice_a):
    html = (
        client_for(commissioner)
        .get(
            FRIENDS, {"period": Q1_KEY, "level": "practice", "code": "A00001", "dimension": "total"}
        )
        .content.decode()
    )
    assert ["People in the cohort", "60"] in _cells(html)
    assert "Canal Street Surgery (A00001)" in html
    assert 'name="code"' in html


def test_level_without_code_falls_back_to_the_first(snapshots, client_for, commissioner):
    html = (
        client_for(commissioner).get(FRIENDS, {"level": "pcn", "code": "B00002"}).content.decode()
    )
    assert ["People in the cohort", "60"] in _cells(html)
    assert "Central PCN (U00001)" in html


def test_level_all_has_no_code_select(snapshots, client_for, commissioner):
    html = client_for(commissioner).get(FRIENDS).content.decode()
    assert 'name="code"' not in html


def test_period_select_lists_computed_periods_then_pickers(snapshots, client_for, commissioner):
    snapshot_rows("friends", total=change_values(300), start=YEAR[0], end=YEAR[1])
    html = client_for(commissioner).get(FRIENDS).content.decode()
    select = re.search(r'<select name="period".*?</select>', html, re.S).group(0)
    assert select.index('label="Computed periods"') < select.index('label="Calendar quarters"')
    assert select.index('label="Calendar quarters"') < select.index('label="12-month periods"')
    assert select.count(f'value="{Q1_KEY}"') == 1
    # the page opens on the longest period ending last
    assert re.search(r'value="2025-04-01/2026-03-31"[^>]*selected', select)


def test_period_not_computed_says_so(snapshots, client_for, admin_user):
    html = client_for(admin_user).get(FRIENDS, {"period": "2025-01-01/2025-03-31"}).content.decode()
    assert 'id="not-computed"' in html
    assert 'id="figures"' not in html
    # anyone who may see the figures can compute them from here; Recompute is for figures
    # already computed
    assert ">Compute these figures</button>" in html
    assert ">Recompute</button>" not in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "2026-03-31/2026-01-01"}, "Choose a period from the list"),
        ({"period": "nonsense"}, "Choose a period from the list"),
        ({"level": "region"}, "Choose a level from the list"),
        ({"dimension": "shoe_size"}, "Choose a breakdown from the list"),
    ],
)
def test_bad_filters_show_an_error_summary_and_no_figures(
    snapshots, client_for, commissioner, params, message
):
    response = client_for(commissioner).get(FRIENDS, params)
    html = _text(response)
    assert "There is a problem" in html
    assert message in html
    assert 'id="figures"' not in html


def test_bad_window_for_demand(snapshots, client_for, commissioner):
    html = _text(client_for(commissioner).get("/outcomes/metrics/demand/", {"window": "7"}))
    assert "Choose 3, 6 or 12 months" in html


def test_demand_page_uses_window(snapshots, client_for, commissioner):
    html = client_for(commissioner).get("/outcomes/metrics/demand/").content.decode()
    assert "Window: 6 months before and after referral." in html
    assert ["People in the cohort", "40"] in _cells(html)


def test_unknown_metric_page_is_404(db, client_for, commissioner):
    assert client_for(commissioner).get("/outcomes/metrics/happiness/").status_code == 404


def test_htmx_filter_returns_the_dashboard_partial(snapshots, client_for, commissioner):
    response = client_for(commissioner).get(FRIENDS, {"dimension": "sex"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="dashboard">')
    assert "<html" not in html
    assert any(r[0] == "Other" for r in _cells(html))


def test_every_metric_page_renders(snapshots, client_for, commissioner):
    client = client_for(commissioner)
    for name, info in METRICS.items():
        for dim in ("total", *info.dimensions):
            response = client.get(f"/outcomes/metrics/{name}/", {"dimension": dim})
            assert response.status_code == 200, (name, dim)
    html = client.get("/outcomes/metrics/wellbeing/").content.decode()
    assert "SWEMWBS ©" in html
    coverage = client.get("/outcomes/metrics/coverage/").content.decode()
    rows = _cells(coverage)
    assert rows[0][0] == "Deprivation (IMD quintile)"
    assert next(r for r in rows if r[0] == "Unknown")[2] == "*"  # 5 reached


def test_metric_page_query_count(
    snapshots, client_for, commissioner, django_assert_max_num_queries
):
    demo_snapshots(start=YEAR[0], end=YEAR[1], practices=("A00001", "B00002"), pcns=("U00001",))
    client = client_for(commissioner)
    # session, user, periods, codes + their names, rows; on PostgreSQL first the rows' digest,
    # and on a second view only the digest
    with django_assert_max_num_queries(7):
        client.get(FRIENDS, {"level": "practice", "dimension": "sex"})
    with django_assert_max_num_queries(6):
        client.get(FRIENDS, {"level": "practice", "dimension": "sex"})


def test_admin_metric_page_query_count(
    snapshots, client_for, admin_user, django_assert_max_num_queries
):
    client = client_for(admin_user)
    # as above, plus the latest run
    with django_assert_max_num_queries(8):
        client.get(FRIENDS, {"level": "practice", "dimension": "sex"})


# --- CSV -----------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    """The table part of a CSV: each row also carries the metric, period, window, level, code
    and breakdown before it, and when computed, the suppression rule and caveat after it
    (tests/outcomes/test_downloads.py)."""
    return [r[7:-3] for r in csv.reader(io.StringIO(response.content.decode()))]


def test_csv_is_exactly_the_table_on_screen(snapshots, client_for, commissioner):
    client = client_for(commissioner)
    params = {"period": Q1_KEY, "level": "all", "dimension": "sex"}
    page = client.get(FRIENDS, params).content.decode()
    response = client.get("/outcomes/metrics/friends/csv/", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="friends_2026-01-01_2026-03-31_all_sex.csv"'
    )
    rows = _csv(response)
    assert rows == _cells(page)
    assert rows[3] == ["Other", "*", "*", "*", "*", "*", "*", "*"]


def test_csv_link_on_page_carries_filters(snapshots, client_for, commissioner):
    html = (
        client_for(commissioner)
        .get(FRIENDS, {"level": "practice", "code": "A00001", "dimension": "sex"})
        .content.decode()
    )
    href = re.search(r'<a href="([^"]+)" download>', html).group(1).replace("&amp;", "&")
    assert href.startswith("/outcomes/metrics/friends/csv/?")
    rows = _csv(client_for(commissioner).get(href))
    assert rows == _cells(html)


def test_admin_csv_has_exact_values(snapshots, client_for, admin_user):
    response = client_for(admin_user).get(
        "/outcomes/metrics/friends/csv/", {"period": Q1_KEY, "dimension": "sex"}
    )
    other = next(r for r in _csv(response) if r[0] == "Other")
    assert other[1] == "3"


def test_csv_of_uncomputed_period_is_404(snapshots, client_for, commissioner):
    response = client_for(commissioner).get(
        "/outcomes/metrics/friends/csv/", {"period": "2025-01-01/2025-03-31"}
    )
    assert response.status_code == 404


def test_csv_query_count(snapshots, client_for, commissioner, django_assert_max_num_queries):
    demo_snapshots(start=YEAR[0], end=YEAR[1], practices=("A00001", "B00002"), pcns=("U00001",))
    client = client_for(commissioner)
    # session, user, periods, codes + their names, rows (on PostgreSQL first their digest)
    with django_assert_max_num_queries(7):
        response = client.get("/outcomes/metrics/coverage/csv/", {"level": "practice"})
    assert response.status_code == 200


# --- recompute -----------------------------------------------------------------------------


@pytest.fixture
def task_delay():
    with mock.patch("outcomes.tasks.metric_compute_task.delay") as delay:
        yield delay


def test_admin_recompute_creates_run_and_enqueues_on_commit(
    snapshots, client_for, admin_user, task_delay, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post("/outcomes/metrics/friends/recompute/", {"period": Q1_KEY})
    assert response.status_code == 302
    assert response["Location"].startswith("/outcomes/metrics/friends/?period=2026-01-01")
    run = Run.objects.get()
    assert run.kind == "metric:friends"
    assert run.status == Run.Status.QUEUED
    assert run.params == {
        "metric": "friends",
        "start": "2026-01-01",
        "end": "2026-03-31",
        "window": 0,
    }
    assert run.created_by == admin_user
    assert len(callbacks) == 1
    task_delay.assert_called_once_with("friends", "2026-01-01", "2026-03-31", 6, run.pk)


def test_recompute_demand_passes_the_window(
    snapshots, client_for, admin_user, task_delay, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin_user).post(
            "/outcomes/metrics/demand/recompute/", {"period": Q1_KEY, "window": "12"}
        )
    run = Run.objects.get()
    task_delay.assert_called_once_with("demand", "2026-01-01", "2026-03-31", 12, run.pk)


def test_second_click_does_not_start_a_second_run(
    snapshots, client_for, admin_user, task_delay, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/outcomes/metrics/friends/recompute/", {"period": Q1_KEY})
        client.post("/outcomes/metrics/friends/recompute/", {"period": Q1_KEY})
    assert Run.objects.count() == 1
    assert task_delay.call_count == 1


def test_htmx_recompute_returns_polling_run_partial(
    snapshots, client_for, admin_user, task_delay, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin_user).post(
            "/outcomes/metrics/friends/recompute/", {"period": Q1_KEY}, HTTP_HX_REQUEST="true"
        )
    html = _text(response)
    run = Run.objects.get()
    assert html.strip().startswith('<div id="run"')
    assert f'hx-get="/outcomes/runs/{run.pk}/"' in html
    assert 'hx-trigger="every 2s"' in html
    assert "Queued" in html


def test_recompute_with_bad_period_changes_nothing(snapshots, client_for, admin_user, task_delay):
    response = client_for(admin_user).post(
        "/outcomes/metrics/friends/recompute/", {"period": "2026-04-01/2026-03-31"}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not Run.objects.exists()
    task_delay.assert_not_called()


@pytest.mark.parametrize("persona", ["commissioner", "link_worker", "volunteer"])
def test_only_administrators_may_recompute(snapshots, client_for, request, persona, task_delay):
    response = client_for(request.getfixturevalue(persona)).post(
        "/outcomes/metrics/friends/recompute/", {"period": Q1_KEY}
    )
    assert response.status_code == 404
    assert not Run.objects.exists()


def test_recompute_needs_post(snapshots, client_for, admin_user):
    assert client_for(admin_user).get("/outcomes/metrics/friends/recompute/").status_code == 405


def _run(status: str, **kw) -> Run:
    return Run.objects.create(
        kind="metric:friends",
        status=status,
        params={"metric": "friends", "start": "2026-01-01", "end": "2026-03-31", "window": 0},
        **kw,
    )


def test_run_status_polls_while_running_and_stops_when_done(db, client_for, admin_user):
    run = _run(Run.Status.RUNNING, progress=0, total=1)
    client = client_for(admin_user)
    html = _text(client.get(f"/outcomes/runs/{run.pk}/", HTTP_HX_REQUEST="true"))
    assert "Running" in html
    assert 'hx-trigger="every 2s"' in html
    run.status = Run.Status.DONE
    run.save()
    html = _text(client.get(f"/outcomes/runs/{run.pk}/", HTTP_HX_REQUEST="true"))
    assert "Done" in html
    assert "hx-trigger" not in html
    assert 'href="/outcomes/metrics/friends/?period=2026-01-01%2F2026-03-31"' in html


def test_failed_run_shows_its_error(db, client_for, admin_user):
    run = _run(Run.Status.FAILED, result={"error": "ValueError: boom"})
    html = _text(client_for(admin_user).get(f"/outcomes/runs/{run.pk}/"))
    assert "Failed" in html
    assert "ValueError: boom" in html


def test_metric_page_shows_the_latest_run_to_administrators(snapshots, client_for, admin_user):
    _run(Run.Status.QUEUED)
    html = client_for(admin_user).get(FRIENDS, {"period": Q1_KEY}).content.decode()
    assert 'hx-trigger="every 2s"' in html


@pytest.mark.parametrize("persona", ["commissioner", "link_worker"])
def test_run_status_is_for_administrators_only(db, client_for, request, persona):
    run = _run(Run.Status.RUNNING)
    assert (
        client_for(request.getfixturevalue(persona)).get(f"/outcomes/runs/{run.pk}/").status_code
        == 404
    )


def test_run_status_of_an_import_run_is_404(db, client_for, admin_user):
    run = Run.objects.create(kind="population")
    assert client_for(admin_user).get(f"/outcomes/runs/{run.pk}/").status_code == 404


# --- the catalogue matches the computations --------------------------------------------------


def test_dashboards_know_every_computed_metric():
    from outcomes.metrics.registry import METRIC_NAMES

    assert set(METRIC_NAMES) == set(METRICS)


def test_overview_prefers_twelve_months_to_today_over_a_quarter_not_yet_ended(
    db, client_for, commissioner
):
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    q_start = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    q_end = dt.date(q_start.year + (q_start.month == 10), (q_start.month + 2) % 12 + 1, 1)
    q_end -= dt.timedelta(days=1)
    year_start = today.replace(year=today.year - 1) + dt.timedelta(days=1)
    snapshot_rows("friends", total=change_values(20), start=q_start, end=q_end)
    snapshot_rows("friends", total=change_values(90), start=year_start, end=today)
    html = client_for(commissioner).get(OVERVIEW).content.decode()
    card = html[html.index('id="card-friends"') : html.index('id="card-citizen_led"')]
    assert "data-cohort>90<" in card
    assert f"12 months to {today:%-d %B %Y}" in card


@pytest.mark.parametrize("dimension", ["total", "sex"])
def test_metric_page_always_shows_the_cohort(snapshots, client_for, commissioner, dimension):
    html = _text(client_for(commissioner).get(FRIENDS, {"dimension": dimension}))
    assert (
        '<p class="nhsuk-body" id="cohort"><strong>Cohort:</strong> people in the cohort <strong>120</strong>.</p>'
        in html
    )


def test_metric_page_withholds_a_small_cohort(db, client_for, commissioner):
    snapshot_rows("friends", total=change_values(4))
    html = _text(client_for(commissioner).get(FRIENDS))
    assert "people in the cohort <strong>*</strong>" in html


@pytest.mark.parametrize(
    ("value", "text"),
    [(8.25, "8.3"), (-1.75, "-1.8"), (2.0, "2.0"), (1234.56, "1,234.6"), (120, "120"), (0, "0")],
)
def test_figures_round_to_one_decimal_place_half_up(value, text):
    from outcomes.presentation import cell_text

    assert cell_text(value, withheld=False) == text
    assert cell_text(value, withheld=True) == "*"
    assert cell_text(None, withheld=False) == "–"


def test_demand_window_select_shows_the_window_in_use(snapshots, client_for, commissioner):
    html = client_for(commissioner).get("/outcomes/metrics/demand/").content.decode()
    assert re.search(r'<option value="6" selected', html)
    assert "(optional)" not in html


def test_recompute_when_the_broker_is_down_marks_the_run_failed(
    snapshots, client_for, admin_user, django_capture_on_commit_callbacks
):
    with (
        mock.patch(
            "outcomes.tasks.metric_compute_task.delay", side_effect=ConnectionError("no broker")
        ),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client_for(admin_user).post(
            "/outcomes/metrics/friends/recompute/", {"period": Q1_KEY}, HTTP_HX_REQUEST="true"
        )
    assert response.status_code == 200
    run = Run.objects.get()
    assert run.status == Run.Status.FAILED
    assert run.result == {"error": "Could not queue the job (ConnectionError)."}


def test_recompute_runs_the_real_job_in_process(
    snapshots, client_for, admin_user, django_capture_on_commit_callbacks
):
    """No broker in tests: the job runs when the Run commits and replaces the period's rows."""
    with django_capture_on_commit_callbacks(execute=True):
        client_for(admin_user).post("/outcomes/metrics/connections/recompute/", {"period": Q1_KEY})
    run = Run.objects.get()
    assert run.status == Run.Status.DONE
    from outcomes.models import MetricSnapshot

    total = MetricSnapshot.objects.get(
        metric="connections", start="2026-01-01", end="2026-03-31", level="all", dimension="total"
    )
    assert total.values == {"connections": 0}


def test_htmx_history_restore_gets_the_whole_page(snapshots, client_for, commissioner):
    response = client_for(commissioner).get(
        FRIENDS, HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_level_with_nothing_computed_says_so(db, client_for, commissioner):
    snapshot_rows("friends", total=change_values(20))  # level all only
    html = _text(client_for(commissioner).get(FRIENDS, {"level": "pcn"}))
    assert "No figures by primary care network have been computed" in html
    assert 'id="figures"' not in html


def test_overview_shows_fairness_figures_for_coverage(snapshots, client_for, commissioner):
    html = client_for(commissioner).get(OVERVIEW).content.decode()
    card = html[html.index('id="card-coverage"') : html.index('id="card-demand"')]
    # The "unknown" quintile reaches 5 people (withheld); the total less the other quintiles
    # would give them away, so quintile 5 (20 reached, the smallest) is withheld with it, and
    # both indices rest on quintile 5.
    assert re.search(r"Rate ratio, most / least deprived quintile</dt><dd data-figure>\*<", card)
    assert re.search(r"Concentration index[^<]*</dt><dd data-figure>\*<", card)
    # A recomputation: new figures under a new computation time, as metric_compute writes them.
    recomputed = timezone.now()
    MetricSnapshot.objects.filter(metric="coverage").update(computed_at=recomputed)
    MetricSnapshot.objects.filter(
        metric="coverage", dimension="imd_quintile", group="unknown"
    ).update(values={"population": 500, "reached": 0, "reach_per_1000": 0.0})
    MetricSnapshot.objects.filter(
        metric="coverage", level="all", dimension="total"
    ).update(
        values={
            "population": 15000, "reached": 240, "reach_per_1000": 16.0,
            "unregistered_reached": 12, "rate_ratio_q1_q5": 2.25, "concentration_index": -0.18,
        }
    )  # fmt: skip
    html = client_for(commissioner).get(OVERVIEW).content.decode()
    card = html[html.index('id="card-coverage"') : html.index('id="card-demand"')]
    assert re.search(r"Rate ratio, most / least deprived quintile</dt><dd data-figure>2\.3<", card)
    assert re.search(r"Concentration index[^<]*</dt><dd data-figure>-0\.2<", card)


def test_every_metric_page_says_how_its_figures_are_worked_out(snapshots, client_for, commissioner):
    client = client_for(commissioner)
    for name, info in METRICS.items():
        html = client.get(f"/outcomes/metrics/{name}/").content.decode()
        assert "How these figures are worked out" in html, name
        assert info.how and all(escape(line) in html for line in info.how), name


def test_demand_opens_on_the_window_computed_when_the_default_is_not(db, client_for, commissioner):
    snapshot_rows("demand", total={"n": 30, "mean_pre": 2.0}, window=12)
    html = client_for(commissioner).get("/outcomes/metrics/demand/").content.decode()
    assert re.search(r'<option value="12" selected', html)
    assert ["People in the cohort", "30"] in _cells(html)


def test_rows_carry_their_practices_pcn_read_by_one_join(
    db, practice_a, pcn, django_assert_num_queries
):
    """Each practice row comes with its practice's PCN (suppression adds practices up to
    their PCN); other rows, and a row naming no known practice, with none. One query."""
    import datetime as dt

    from outcomes.selectors import Period, overview_rows_list, snapshot_rows_list

    start, end = dt.date(2026, 1, 1), dt.date(2026, 3, 31)
    now = timezone.now()
    for level, code in (("all", ""), ("pcn", pcn.code), ("practice", practice_a.ods_code)):
        MetricSnapshot.objects.create(
            metric="friends",
            start=start,
            end=end,
            level=level,
            code=code,
            dimension="total",
            group="all",
            values={"n": 1},
            computed_at=now,
        )
    MetricSnapshot.objects.create(
        metric="friends",
        start=start,
        end=end,
        level="practice",
        code="Z99999",
        dimension="total",
        group="all",
        values={"n": 1},
        computed_at=now,
    )
    with django_assert_num_queries(1):
        rows = snapshot_rows_list(metric="friends", start=start, end=end, window=0)
    expected = {
        ("all", ""): None,
        ("pcn", pcn.code): None,
        ("practice", practice_a.ods_code): pcn.code,
        ("practice", "Z99999"): None,
    }
    assert {(r["level"], r["code"]): r["pcn"] for r in rows} == expected
    period = Period(metric="friends", start=start, end=end, window=0, computed_at=now)
    with django_assert_num_queries(1):
        rows = overview_rows_list(periods=[period])
    assert {(r["level"], r["code"]): r["pcn"] for r in rows if r["metric"] == "friends"} == (
        expected
    )


# --- the metric page finds its remembered answer without reading the rows -----------------


def _summary(level="all", code="", metric="friends"):
    from outcomes.metrics.registry import metrics_sharing
    from outcomes.selectors import snapshot_rows_summary

    return snapshot_rows_summary(
        metric=metric,
        start=Q1[0],
        end=Q1[1],
        window=0,
        level=level,
        code=code,
        sharing=metrics_sharing(metric=metric),
    )


def test_rows_summary_is_left_to_the_rows_where_the_database_cannot_digest(snapshots):
    """Only PostgreSQL digests the rows; elsewhere (SQLite) the page reads them."""
    from django.db import connection

    with mock.patch.object(connection, "vendor", "sqlite"):
        assert _summary() is None


def test_rows_summary_digest_changes_with_any_row_a_page_would_read(
    snapshots, postgres_required, practice_a, pcn
):
    from tests.socialrx.factories import PCNFactory

    first = _summary(level="practice", code="A00001")
    assert first.computed
    assert first.shown_computed_at == (
        MetricSnapshot.objects.filter(metric="friends", level="practice", code="A00001")
        .latest("computed_at")
        .computed_at
    )
    assert _summary() == _summary()
    assert _summary(level="practice", code="Z99999").shown_computed_at is None
    assert _summary(metric="citizen_led").digest != _summary(metric="friends").digest
    seen = {_summary().digest}

    def changed() -> str:
        digest = _summary().digest
        assert digest not in seen
        seen.add(digest)
        return digest

    row = MetricSnapshot.objects.get(metric="friends", level="practice", dimension="total")
    MetricSnapshot.objects.filter(pk=row.pk).update(values={**row.values, "n": 61})
    changed()
    MetricSnapshot.objects.filter(pk=row.pk).update(computed_at=timezone.now())
    changed()
    # The practice's PCN is read with the rows (suppression adds practices up to it).
    practice_a.pcn = PCNFactory(code="U00009", name="North PCN")
    practice_a.save(update_fields=["pcn"])
    changed()
    MetricSnapshot.objects.filter(
        metric="friends", dimension="sex", group="unknown"
    ).first().delete()
    changed()
    # A metric sharing a count with the page's: its rows are read with the page's.
    MetricSnapshot.objects.filter(metric="connections").update(values={"n": 1})
    before = _summary(metric="citizen_led").digest
    MetricSnapshot.objects.filter(metric="connections").update(values={"n": 2})
    assert _summary(metric="citizen_led").digest != before
    MetricSnapshot.objects.filter(metric="friends").delete()
    gone = _summary()
    assert not gone.computed and gone.shown_computed_at is None


def test_metric_page_reads_the_rows_only_when_their_answer_is_not_remembered(
    snapshots, client_for, commissioner, postgres_required
):
    """A second view of the same period reads none of its rows (their digest finds the
    answer); a changed row is read and decided again."""
    import outcomes.views as views

    client = client_for(commissioner)
    params = {"level": "practice", "code": "A00001", "dimension": "total"}
    with mock.patch.object(views, "snapshot_rows_list", wraps=views.snapshot_rows_list) as read:
        first = client.get(FRIENDS, params).content.decode()
        assert read.call_count == 1
        again = client.get(FRIENDS, params).content.decode()
        assert read.call_count == 1
        assert _cells(again) == _cells(first)
        assert ["People in the cohort", "60"] in _cells(again)
        row = MetricSnapshot.objects.get(
            metric="friends", level="practice", code="A00001", dimension="total"
        )
        MetricSnapshot.objects.filter(pk=row.pk).update(values={**row.values, "n": 59})
        after = client.get(FRIENDS, params).content.decode()
        assert read.call_count == 2
        # Decided again over every row: 59 here against the PCN's 60 would tell one person
        # apart, so the practice's figures are withheld.
        assert ["People in the cohort", "*"] in _cells(after)


def test_metric_page_answers_alike_with_and_without_the_database_digest(
    snapshots, client_for, commissioner, admin_user, postgres_required
):
    """The suppression shown is the same whether the page finds the rows' answer by the
    database's digest or reads the rows and digests them itself."""
    import outcomes.views as views

    pages = [
        ({"dimension": "sex"}, commissioner),
        ({"level": "practice", "code": "A00001", "dimension": "sex"}, commissioner),
        ({"dimension": "sex"}, admin_user),
    ]
    digested = [_cells(client_for(u).get(FRIENDS, p).content.decode()) for p, u in pages]
    cache.clear()
    with mock.patch.object(views, "snapshot_rows_summary", return_value=None):
        read = [_cells(client_for(u).get(FRIENDS, p).content.decode()) for p, u in pages]
    assert digested == read
    assert ["Other", *["*"] * 7] in digested[0]
    assert next(r for r in digested[2] if r[0] == "Other")[1] == "3"
