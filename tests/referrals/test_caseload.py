"""The caseload at the size of a real team: filters (mine, status, practice, waiting for first
contact), sorting by any column, date of birth and age, pages, and a search that stays out of
the URL whatever is sorted or paged."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Person, ReferralStatus
from socialrx.models import AuditLog
from tests.referrals.factories import PersonFactory, ReferralFactory, make_case
from tests.socialrx.factories import LinkWorkerFactory, PracticeFactory

TODAY = timezone.localdate()
URL = reverse("referrals:caseload")


def names_in(content: str) -> list[str]:
    """The people's names in table order."""
    return re.findall(r'<a href="[^"]*/people/\d+/">([^<]+)</a>', content)


@pytest.fixture
def colleague(team_a):
    return LinkWorkerFactory(team=team_a, first_name="Cal", last_name="Colleague")


def test_mine_shows_only_the_people_i_am_named_for(client_for, link_worker, colleague, practice_a):
    make_case(practice=practice_a, link_worker=link_worker, given_name="Minnie")
    make_case(practice=practice_a, link_worker=colleague, given_name="Theodora")
    client = client_for(link_worker)
    mine = client.get(URL, {"who": "mine"}).content.decode()
    team = client.get(URL).content.decode()
    assert "Minnie" in mine and "Theodora" not in mine
    assert "Minnie" in team and "Theodora" in team


def test_filter_by_practice_of_the_team(client_for, link_worker, team_a, practice_a):
    other_practice = PracticeFactory(name="Wharf Lane Surgery", team=team_a)
    make_case(practice=practice_a, link_worker=link_worker, given_name="Canalside")
    make_case(practice=other_practice, link_worker=link_worker, given_name="Wharfside")
    content = client_for(link_worker).get(URL, {"practice": other_practice.pk}).content.decode()
    assert "Wharfside" in content
    assert "Canalside" not in content
    assert "Wharf Lane Surgery" in content


def test_another_teams_practice_is_refused_and_narrows_nothing(
    client_for, link_worker, practice_a, practice_b
):
    make_case(practice=practice_a, link_worker=link_worker, given_name="Canalside")
    response = client_for(link_worker).get(URL, {"practice": practice_b.pk})
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content
    assert "Canalside" in content
    assert practice_b.name not in content  # not even offered as a choice


def test_waiting_for_first_contact_more_than_n_days(client_for, link_worker, practice_a):
    long_wait = PersonFactory(practice=practice_a, given_name="Longwait")
    ReferralFactory(
        person=long_wait, status=ReferralStatus.RECEIVED, received_on=TODAY - dt.timedelta(10)
    )
    short_wait = PersonFactory(practice=practice_a, given_name="Shortwait")
    ReferralFactory(
        person=short_wait, status=ReferralStatus.RECEIVED, received_on=TODAY - dt.timedelta(2)
    )
    contacted = PersonFactory(practice=practice_a, given_name="Reached")
    ReferralFactory(
        person=contacted, status=ReferralStatus.CONTACTED, received_on=TODAY - dt.timedelta(20)
    )
    content = client_for(link_worker).get(URL, {"waiting_days": 5}).content.decode()
    assert names_in(content) == [long_wait.full_name]


def test_bad_waiting_days_says_so_and_filters_nothing(client_for, link_worker, practice_a):
    make_case(practice=practice_a, link_worker=link_worker, given_name="Stillshown")
    for bad in ("abc", "-3"):
        content = client_for(link_worker).get(URL, {"waiting_days": bad}).content.decode()
        assert "There is a problem" in content
        assert "Stillshown" in content
    assert "Enter the number of days as a whole number" in (
        client_for(link_worker).get(URL, {"waiting_days": "abc"}).content.decode()
    )


@pytest.fixture
def three(practice_a, link_worker, team_a):
    """Three people differing in every sortable column."""
    zed_practice = PracticeFactory(name="Zed Road Surgery", team=team_a)
    a = PersonFactory(
        practice=practice_a,
        given_name="Ann",
        family_name="Abbott",
        date_of_birth=dt.date(1990, 1, 1),
    )
    ReferralFactory(person=a, status=ReferralStatus.RECEIVED, received_on=TODAY - dt.timedelta(3))
    b = PersonFactory(
        practice=zed_practice,
        given_name="Bob",
        family_name="Barker",
        date_of_birth=dt.date(1950, 1, 1),
    )
    ReferralFactory(person=b, status=ReferralStatus.ACTIVE, received_on=TODAY - dt.timedelta(30))
    c = PersonFactory(
        practice=practice_a, given_name="Cy", family_name="Cole", date_of_birth=dt.date(1970, 1, 1)
    )
    ReferralFactory(person=c, status=ReferralStatus.CONTACTED, received_on=TODAY - dt.timedelta(9))
    base = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    for offset, person in enumerate([c, a, b]):  # c oldest activity, b newest
        Person.objects.filter(pk=person.pk).update(last_activity_at=base + dt.timedelta(offset))
    return a, b, c


@pytest.mark.parametrize(
    ("sort", "order", "expected"),
    [
        ("name", "asc", "abc"),
        ("name", "desc", "cba"),
        ("date_of_birth", "asc", "bca"),  # oldest first
        ("date_of_birth", "desc", "acb"),
        ("status", "asc", "bca"),  # active, contacted, received
        ("practice", "asc", "acb"),
        ("practice", "desc", "bca"),  # Zed Road first; ties newest id first
        ("last_activity", "desc", "bac"),
        ("received", "desc", "acb"),
        ("received", "asc", "bca"),
    ],
)
def test_sort_by_any_column(client_for, link_worker, three, sort, order, expected):
    people = dict(zip("abc", three, strict=True))
    content = client_for(link_worker).get(URL, {"sort": sort, "order": order}).content.decode()
    assert names_in(content) == [people[k].full_name for k in expected]
    header = re.search(rf'<th [^>]*aria-sort="(\w+)" data-column="{sort}"', content)
    assert header and header.group(1) == ("ascending" if order == "asc" else "descending")
    assert content.count('aria-sort="none"') == 5


def test_default_order_is_newest_activity_and_headers_link_to_the_sort(
    client_for, link_worker, three
):
    content = client_for(link_worker).get(URL).content.decode()
    assert re.search(r'aria-sort="descending" data-column="last_activity"', content)
    assert 'href="?sort=name&amp;order=asc"' in content
    # Sorting the sorted column again turns it round.
    assert 'href="?order=asc"' in content


def test_bad_sort_says_so_and_keeps_the_default_order(client_for, link_worker, three):
    a, b, c = three
    content = client_for(link_worker).get(URL, {"sort": "nhs_number"}).content.decode()
    assert "Choose a column to sort by from the table" in content
    assert names_in(content) == [b.full_name, a.full_name, c.full_name]


def test_date_of_birth_and_age_tell_two_people_of_the_same_name_apart(
    client_for, link_worker, practice_a
):
    for born in (dt.date(1948, 3, 2), dt.date(1991, 11, 30)):
        make_case(
            practice=practice_a,
            link_worker=link_worker,
            given_name="Sam",
            family_name="Jones",
            date_of_birth=born,
        )
    content = client_for(link_worker).get(URL).content.decode()
    age = TODAY.year - 1948 - ((TODAY.month, TODAY.day) < (3, 2))
    assert f"2 Mar 1948 (age {age})" in content
    assert "30 Nov 1991 (age " in content


def test_filters_and_sort_carry_into_the_next_page(client_for, link_worker, colleague, practice_a):
    for i in range(27):
        make_case(practice=practice_a, link_worker=link_worker, given_name=f"Mine{i:02d}")
    make_case(practice=practice_a, link_worker=colleague, given_name="Notmine")
    client = client_for(link_worker)
    first = client.get(URL, {"who": "mine", "sort": "name"}).content.decode()
    assert 'href="?who=mine&amp;sort=name&amp;order=asc&amp;page=2"' in first
    assert "nhsuk-pagination__link--next" in first
    second = client.get(
        URL, {"who": "mine", "sort": "name", "order": "asc", "page": 2}
    ).content.decode()
    assert len(names_in(second)) == 2
    assert "Notmine" not in second


def test_search_with_a_sort_stays_a_post_and_its_controls_keep_it_out_of_urls(
    client_for, link_worker, practice_a
):
    for i in range(27):
        make_case(
            practice=practice_a,
            link_worker=link_worker,
            given_name=f"Findme{i:02d}",
            family_name="X",
        )
    make_case(practice=practice_a, link_worker=link_worker, given_name="Other")
    client = client_for(link_worker)
    response = client.post(URL, {"q": "Findme", "sort": "name", "order": "desc"})
    content = response.content.decode()
    shown = names_in(content)
    assert len(shown) == 25 and shown[0] == "Findme26 X"
    assert "Other" not in content
    # Every control on a search result is a form that posts the search, never a link with it.
    assert "Findme" not in "".join(re.findall(r'href="([^"]*)"', content))
    assert content.count('<input type="hidden" name="q" value="Findme">') == 7  # 6 sorts, next
    second = client.post(URL, {"q": "Findme", "sort": "name", "order": "desc", "page": 2})
    assert names_in(second.content.decode()) == ["Findme01 X", "Findme00 X"]


def test_search_carries_the_filters_in_force(client_for, link_worker, colleague, practice_a):
    make_case(practice=practice_a, link_worker=link_worker, given_name="Samemine")
    make_case(practice=practice_a, link_worker=colleague, given_name="Sametheirs")
    content = client_for(link_worker).get(URL, {"who": "mine"}).content.decode()
    assert '<input type="hidden" form="caseload-search" name="who" value="mine">' in content
    searched = client_for(link_worker).post(URL, {"q": "Same", "who": "mine"}).content.decode()
    assert "Samemine" in searched and "Sametheirs" not in searched


def test_search_is_audited_by_kind_never_by_terms(client_for, link_worker, practice_a):
    make_case(practice=practice_a, link_worker=link_worker, given_name="Privatename")
    client_for(link_worker).post(URL, {"q": "Privatename", "sort": "received"})
    entry = AuditLog.objects.order_by("-id").first()
    assert entry is not None
    assert "by name" in str(entry.__dict__)
    assert "Privatename" not in str(entry.__dict__)


def _fill(practice, link_workers, count):
    for i in range(count):
        make_case(
            practice=practice,
            link_worker=link_workers[i % len(link_workers)],
            family_name="Jones",
            status=ReferralStatus.ACTIVE if i % 2 else ReferralStatus.RECEIVED,
        )


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"who": "mine", "sort": "name"},
        {"status": "active", "sort": "practice", "order": "desc", "waiting_days": 1},
    ],
)
def test_query_count_is_the_same_for_3_and_60_people(
    client_for, link_worker, colleague, practice_a, django_assert_max_num_queries, params
):
    client = client_for(link_worker)
    _fill(practice_a, [link_worker, colleague], 3)
    client.get(URL)  # warm the session
    with django_assert_max_num_queries(6) as few:
        client.get(URL, params)
    _fill(practice_a, [link_worker, colleague], 57)
    with django_assert_max_num_queries(6) as many:
        client.get(URL, params)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_search_query_count_is_the_same_for_3_and_60_people(
    client_for, link_worker, practice_a, django_assert_max_num_queries
):
    client = client_for(link_worker)
    _fill(practice_a, [link_worker], 3)
    client.get(URL)
    with django_assert_max_num_queries(6) as few:
        first = client.post(URL, {"q": "jones", "sort": "date_of_birth"})
    assert len(names_in(first.content.decode())) == 3
    _fill(practice_a, [link_worker], 57)
    with django_assert_max_num_queries(6) as many:
        client.post(URL, {"q": "jones", "sort": "date_of_birth"})
    assert len(many.captured_queries) == len(few.captured_queries)


def _plan_in_index_order(queryset) -> str:
    """PostgreSQL's plan for ``queryset`` when it may neither scan a table nor sort: what only
    an index can then give (a tiny test table would otherwise be read any way at all)."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(line for (line,) in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = on")
        cursor.execute("SET LOCAL enable_sort = on")
    return plan


def test_postgres_reads_each_persons_latest_referral_from_one_index(
    link_worker, practice_a, postgres_required
):
    """The caseload works out every person's latest referral (status, date ended, date
    received): on PostgreSQL one index holds them in that order with what the caseload reads,
    so each is found without sorting the person's referrals (and, once the table has been
    vacuumed, without visiting them)."""
    from django.db import connection

    from referrals.selectors.casework import caseload_for

    for _ in range(3):
        ReferralFactory(person=PersonFactory(team=link_worker.team, practice=practice_a))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'referral_person_latest_idx'"
        )
        (definition,) = cursor.fetchone()
    plan = _plan_in_index_order(caseload_for(user=link_worker))
    assert "(person_id, received_on DESC, id DESC) INCLUDE (status, closed_on)" in definition
    assert "Scan using referral_person_latest_idx" in plan


def test_the_latest_referral_decides_who_is_on_the_caseload_to_the_day(link_worker, practice_a):
    """On the caseload: the latest referral open, or ended on or after the day RECENT_DAYS
    ago; an earlier referral's status does not count."""
    from referrals.selectors.casework import RECENT_DAYS, caseload_for

    def person(name, *referrals):
        p = PersonFactory(team=link_worker.team, practice=practice_a, given_name=name)
        for received_days_ago, status, closed_days_ago in referrals:
            ReferralFactory(
                person=p,
                received_on=TODAY - dt.timedelta(days=received_days_ago),
                status=status,
                closed_on=None
                if closed_days_ago is None
                else TODAY - dt.timedelta(days=closed_days_ago),
            )
        return p

    closed = ReferralStatus.CLOSED
    person("Open", (5, ReferralStatus.ACTIVE, None))
    person("Boundary", (400, closed, RECENT_DAYS))
    person("Daylate", (400, closed, RECENT_DAYS + 1))
    person("Reopened", (400, closed, 300), (3, ReferralStatus.RECEIVED, None))
    person("Earlieropen", (400, ReferralStatus.ACTIVE, None), (200, closed, 150))
    PersonFactory(team=link_worker.team, practice=practice_a, given_name="Noreferral")
    names = set(caseload_for(user=link_worker, today=TODAY).values_list("given_name", flat=True))
    assert names == {"Open", "Boundary", "Reopened"}


def test_postgres_reads_the_caseloads_newest_page_in_index_order(
    link_worker, practice_a, postgres_required
):
    """The default order (newest activity, then newest record) is the order of an index on
    (team, last activity, id): the first page is read from it without sorting the team, and the
    caseload's test runs only for the people the page needs."""

    from referrals.selectors.casework import caseload_for

    for _ in range(3):
        ReferralFactory(person=PersonFactory(team=link_worker.team, practice=practice_a))
    plan = _plan_in_index_order(caseload_for(user=link_worker)[:20])
    assert "Index Scan using person_team_activity_idx" in plan, plan
    assert "Sort Key" not in plan.split("SubPlan")[0], plan
