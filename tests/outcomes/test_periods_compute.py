"""The period picker (months, quarters, financial years, 12-month periods, custom dates), its
validation, computing a period's figures on request (who may, sharing one run, progress), and
the overview's period, PCN and practice filters."""

from __future__ import annotations

import datetime as dt
import re
from unittest import mock

import pytest
from django.utils import timezone

from outcomes.forms import custom_period_errors
from outcomes.metrics.periods import (
    financial_year_of,
    longest_end,
    period_label,
    period_words,
    picker_groups,
)
from outcomes.metrics.registry import metrics_enabled
from outcomes.models import MetricSnapshot, Run
from outcomes.services.metric_runs import ACTIVE_RUNS_PER_USER
from tests.outcomes.factories_dashboard import change_values, demo_snapshots, snapshot_rows
from tests.socialrx.factories import CommissionerFactory

OVERVIEW = "/outcomes/"
FRIENDS = "/outcomes/metrics/friends/"
COMPUTE = "/outcomes/metrics/friends/compute/"
Q1_KEY = "2026-01-01/2026-03-31"
CUSTOM_KEY = "2024-02-10/2024-05-20"  # in the past, not a period the picker lists


@pytest.fixture
def snapshots(db, practice_a, pcn):
    demo_snapshots(practices=("A00001",), pcns=("U00001",))


@pytest.fixture
def task_delay():
    with mock.patch("outcomes.tasks.metric_compute_task.delay") as delay:
        yield delay


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _dates(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}_day": str(day.day),
        f"{prefix}_month": str(day.month),
        f"{prefix}_year": str(day.year),
    }


def _custom(start: dt.date, end: dt.date, **extra: str) -> dict[str, str]:
    return {
        "period": "custom",
        "show": "1",
        **_dates("start", start),
        **_dates("end", end),
        **extra,
    }


# --- period arithmetic ---------------------------------------------------------------------


def test_financial_years_run_april_to_march():
    assert financial_year_of(dt.date(2026, 3, 31)) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert financial_year_of(dt.date(2026, 4, 1)) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))


def test_period_in_words_and_labels():
    assert period_words(dt.date(2026, 4, 1), dt.date(2026, 6, 30)) == "1 April 2026 to 30 June 2026"
    assert period_label(dt.date(2026, 4, 1), dt.date(2027, 3, 31)) == (
        "April 2026 to March 2027 (financial year)"
    )
    assert period_label(dt.date(2026, 2, 1), dt.date(2026, 2, 28)) == "February 2026"


def test_a_period_in_two_groups_is_listed_once(snapshots, client_for, commissioner):
    html = client_for(commissioner).get(FRIENDS).content.decode()
    keys = re.findall(r'<option value="([^"]+)"', html)
    periods = [k for k in keys if "/" in k]
    assert len(periods) == len(set(periods))


def test_overview_period_has_no_optional_label(snapshots, client_for, commissioner):
    html = client_for(commissioner).get(OVERVIEW).content.decode()
    assert '<label class="nhsuk-label" for="id_period">Period</label>' in html
    assert re.search(r'<option value="latest" selected>Latest computed, for each measure', html)


def test_picker_offers_months_quarters_financial_years_and_12_months():
    groups = dict(picker_groups(today=dt.date(2026, 5, 10)))
    assert list(groups) == ["Months", "Calendar quarters", "Financial years", "12-month periods"]
    assert groups["Months"][0] == ("2026-05-01/2026-05-31", "May 2026")
    assert groups["Months"][1][0] == "2026-04-01/2026-04-30"
    assert len(groups["Months"]) == 24
    assert groups["Calendar quarters"][0][0] == "2026-04-01/2026-06-30"
    assert groups["Financial years"][0] == (
        "2026-04-01/2027-03-31",
        "April 2026 to March 2027 (financial year)",
    )
    assert groups["Financial years"][1][0] == "2025-04-01/2026-03-31"
    assert groups["12-month periods"][0][0] == "2025-05-01/2026-04-30"


def test_custom_range_bounds():
    today = dt.date(2026, 5, 10)
    assert custom_period_errors(dt.date(2026, 1, 1), today, today=today) == {}
    assert custom_period_errors(dt.date(2026, 3, 1), dt.date(2026, 2, 1), today=today) == {
        "start": "The start date must be the same as or before the end date"
    }
    assert "end" in custom_period_errors(dt.date(2026, 1, 1), dt.date(2026, 5, 11), today=today)
    assert longest_end(dt.date(2020, 1, 1)) == dt.date(2024, 12, 31)
    assert custom_period_errors(dt.date(2020, 1, 1), dt.date(2024, 12, 31), today=today) == {}
    too_long = custom_period_errors(dt.date(2020, 1, 1), dt.date(2025, 1, 1), today=today)
    assert too_long == {
        "end": "A custom period can be at most 5 years long: choose an end date on or "
        "before 31 December 2024"
    }
    assert longest_end(dt.date(2024, 2, 29)) == dt.date(2029, 2, 28)


# --- the picker on a metric page -----------------------------------------------------------


def test_metric_page_offers_every_kind_of_period_and_custom_dates(
    snapshots, client_for, commissioner
):
    html = client_for(commissioner).get(FRIENDS).content.decode()
    select = re.search(r'<select name="period".*?</select>', html, re.S).group(0)
    labels = re.findall(r'<optgroup label="([^"]+)"', select)
    assert labels == [
        "Computed periods",
        "Months",
        "Calendar quarters",
        "Financial years",
        "12-month periods",
        "Your own dates",
    ]
    assert '<option value="custom"' in select
    # NHS.UK date inputs for the start and end, the day box carrying the field's id
    for name in ("start", "end"):
        assert f'id="id_{name}" name="{name}_day"' in html
        assert f'name="{name}_month"' in html
        assert f'name="{name}_year"' in html
    assert 'class="nhsuk-date-input"' in html
    # lists update the figures at once; typed dates wait for the button
    assert 'hx-trigger="change from:.sx-auto"' in html
    assert 'class="nhsuk-select sx-auto"' in html


def test_custom_dates_not_computed_explain_and_offer_to_compute(
    snapshots, client_for, commissioner
):
    response = client_for(commissioner).get(
        FRIENDS, _custom(dt.date(2024, 2, 10), dt.date(2024, 5, 20))
    )
    assert response.status_code == 200
    html = _text(response)
    assert "There is a problem" not in html
    assert 'id="not-computed"' in html
    assert "These figures have not been computed for 10 February 2024 to 20 May 2024 yet." in html
    assert ">Compute these figures</button>" in html
    assert f'name="period" value="{CUSTOM_KEY}"' in html
    assert '<details class="nhsuk-details" id="custom-dates" open>' in html
    assert not Run.objects.exists()  # a GET starts nothing


def test_custom_range_link_fills_in_its_dates(snapshots, client_for, commissioner):
    html = _text(client_for(commissioner).get(FRIENDS, {"period": CUSTOM_KEY}))
    assert re.search(r'<option value="custom" selected', html)
    assert 'name="start_day" type="text" inputmode="numeric" value="10"' in html
    assert 'name="end_year" type="text" inputmode="numeric" value="2024"' in html
    assert "10 February 2024 to 20 May 2024" in html


def test_computed_custom_range_shows_its_figures(snapshots, client_for, commissioner):
    start, end = dt.date(2024, 2, 10), dt.date(2024, 5, 20)
    snapshot_rows("friends", total=change_values(40), start=start, end=end)
    html = _text(client_for(commissioner).get(FRIENDS, _custom(start, end)))
    assert 'id="figures"' in html
    assert "Compute these figures" not in html


def test_choosing_custom_before_typing_dates_asks_for_them_without_an_error(
    snapshots, client_for, commissioner
):
    # htmx sends the form when the list changes: no "show" yet
    response = client_for(commissioner).get(FRIENDS, {"period": "custom"}, HTTP_HX_REQUEST="true")
    html = _text(response)
    assert "There is a problem" not in html
    assert 'id="needs-dates"' in html
    assert 'id="figures"' not in html


def _future() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"period": "custom", "show": "1"}, "start", "Enter the start date"),
        ({"period": "custom", "show": "1"}, "end", "Enter the end date"),
        (
            _custom(dt.date(2024, 5, 20), dt.date(2024, 2, 10)),
            "start",
            "The start date must be the same as or before the end date",
        ),
        (
            _custom(dt.date(2019, 1, 1), dt.date(2024, 2, 10)),
            "end",
            "A custom period can be at most 5 years long: choose an end date on or before "
            "31 December 2023",
        ),
        (
            {
                "period": "custom",
                "show": "1",
                "start_day": "10",
                "start_year": "2024",
                **_dates("end", dt.date(2024, 3, 1)),
            },
            "start",
            "The start date must include a month",
        ),
        (
            {"period": "custom", "show": "1", **_dates("end", dt.date(2024, 3, 1))}
            | {"start_day": "31", "start_month": "2", "start_year": "2024"},
            "start",
            "The start date must be a real date",
        ),
        (
            {"period": "custom", "show": "1", **_dates("end", dt.date(2024, 3, 1))}
            | {"start_day": "1", "start_month": "2", "start_year": "24"},
            "start",
            "The start date&#x27;s year must have 4 numbers",
        ),
    ],
)
def test_bad_custom_dates_show_an_error_summary_naming_the_field(
    snapshots, client_for, commissioner, params, field, message
):
    response = client_for(commissioner).get(FRIENDS, params)
    html = _text(response)
    assert "There is a problem" in html
    assert f'<li><a href="#id_{field}">{message}</a></li>' in html
    assert f'id="id_{field}-error"' in html
    assert 'id="figures"' not in html
    assert "Compute these figures" not in html
    assert not Run.objects.exists()


def test_custom_dates_in_the_future_are_refused(snapshots, client_for, commissioner):
    today = timezone.localdate()
    html = _text(client_for(commissioner).get(FRIENDS, _custom(today, _future())))
    assert '<a href="#id_end">The end date must be today or in the past</a>' in html
    assert "Compute these figures" not in html


# --- computing on request ------------------------------------------------------------------


def test_commissioner_computes_a_period_on_request(
    snapshots, client_for, commissioner, task_delay, django_capture_on_commit_callbacks
):
    client = client_for(commissioner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(COMPUTE, {"period": CUSTOM_KEY})
    assert response.status_code == 302
    assert response["Location"] == f"{FRIENDS}?period=2024-02-10%2F2024-05-20"
    run = Run.objects.get()
    assert run.kind == "metric:friends"
    assert run.created_by == commissioner
    assert run.params == {
        "metric": "friends",
        "start": "2024-02-10",
        "end": "2024-05-20",
        "window": 0,
    }
    task_delay.assert_called_once_with("friends", "2024-02-10", "2024-05-20", 6, run.pk)

    # The page explains, shows progress and polls it; without JavaScript, "Check again".
    html = _text(client.get(response["Location"]))
    assert "Queued" in html
    assert f'hx-get="/outcomes/runs/{run.pk}/compute/"' in html
    assert 'hx-trigger="every 2s"' in html
    assert "http-equiv" not in html  # no timed refresh
    assert (
        f'<a href="{FRIENDS}?period=2024-02-10%2F2024-05-20" class="sx-check-again">Check again</a>'
        in html
    )
    assert ">Compute these figures</button>" not in html


def test_two_commissioners_asking_for_the_same_period_share_one_run(
    snapshots, client_for, commissioner, task_delay, django_capture_on_commit_callbacks
):
    other = CommissionerFactory(username="comm_other")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(commissioner).post(COMPUTE, {"period": CUSTOM_KEY})
        client_for(other).post(COMPUTE, {"period": CUSTOM_KEY})
        client_for(other).post(COMPUTE, {"period": CUSTOM_KEY})
    assert Run.objects.count() == 1
    assert task_delay.call_count == 1
    html = _text(client_for(other).get(FRIENDS, {"period": CUSTOM_KEY}))
    run = Run.objects.get()
    assert f'hx-get="/outcomes/runs/{run.pk}/compute/"' in html


def test_a_computed_period_is_not_computed_again_on_request(
    snapshots, client_for, commissioner, task_delay
):
    response = client_for(commissioner).post(COMPUTE, {"period": Q1_KEY})
    assert response.status_code == 302
    assert not Run.objects.exists()
    task_delay.assert_not_called()


def test_demand_is_computed_for_the_window_asked(
    snapshots, client_for, commissioner, task_delay, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(commissioner).post(
            "/outcomes/metrics/demand/compute/", {"period": CUSTOM_KEY, "window": "12"}
        )
    run = Run.objects.get()
    assert run.params["window"] == 12
    task_delay.assert_called_once_with("demand", "2024-02-10", "2024-05-20", 12, run.pk)


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("", "Choose a period from the list"),
        ("nonsense", "Choose a period from the list"),
        ("2024-05-20/2024-02-10", "Choose a period from the list"),
        ("2015-01-01/2024-01-01", "A custom period can be at most 5 years long"),
    ],
)
def test_compute_with_a_bad_period_changes_nothing(
    snapshots, client_for, commissioner, task_delay, period, message
):
    response = client_for(commissioner).post(COMPUTE, {"period": period})
    assert response.status_code == 400
    html = _text(response)
    assert "There is a problem" in html
    assert message in html
    assert not Run.objects.exists()
    task_delay.assert_not_called()


def test_compute_into_the_future_is_refused(snapshots, client_for, commissioner, task_delay):
    key = f"{timezone.localdate().isoformat()}/{_future().isoformat()}"
    response = client_for(commissioner).post(COMPUTE, {"period": key})
    assert response.status_code == 400
    assert "The end date must be today or in the past" in response.content.decode()
    assert not Run.objects.exists()


def test_too_many_waiting_computations_are_refused(snapshots, client_for, commissioner, task_delay):
    for i in range(ACTIVE_RUNS_PER_USER):
        Run.objects.create(kind="metric:friends", params={"i": i}, created_by=commissioner)
    response = client_for(commissioner).post(COMPUTE, {"period": CUSTOM_KEY})
    assert response.status_code == 429
    assert "computations waiting" in response.content.decode()
    assert Run.objects.count() == ACTIVE_RUNS_PER_USER
    task_delay.assert_not_called()


@pytest.mark.parametrize("persona", ["commissioner", "admin_user"])
def test_who_may_compute(snapshots, client_for, request, persona, task_delay):
    response = client_for(request.getfixturevalue(persona)).post(COMPUTE, {"period": CUSTOM_KEY})
    assert response.status_code == 302
    assert Run.objects.count() == 1


@pytest.mark.parametrize("persona", ["link_worker", "practice_staff", "volunteer"])
@pytest.mark.parametrize("url", [COMPUTE, "/outcomes/compute/"])
def test_others_may_not_compute(snapshots, client_for, request, persona, url, task_delay):
    response = client_for(request.getfixturevalue(persona)).post(url, {"period": CUSTOM_KEY})
    assert response.status_code == 404
    assert not Run.objects.exists()


@pytest.mark.parametrize("url", [COMPUTE, "/outcomes/compute/"])
def test_anonymous_may_not_compute(snapshots, anon_client, url, task_delay):
    response = anon_client.post(url, {"period": CUSTOM_KEY})
    assert response.status_code == 302
    assert "/login/" in response["Location"] or "login" in response["Location"]
    assert not Run.objects.exists()


@pytest.mark.parametrize("url", [COMPUTE, "/outcomes/compute/"])
def test_compute_needs_post(snapshots, client_for, commissioner, url):
    assert client_for(commissioner).get(url, {"period": CUSTOM_KEY}).status_code == 405


def _run(status: str, **kw) -> Run:
    return Run.objects.create(
        kind="metric:friends",
        status=status,
        params={"metric": "friends", "start": "2024-02-10", "end": "2024-05-20", "window": 0},
        **kw,
    )


def test_compute_status_polls_then_reloads_the_page_when_done(db, client_for, commissioner):
    run = _run(Run.Status.RUNNING, total=1)
    client = client_for(commissioner)
    response = client.get(
        f"/outcomes/runs/{run.pk}/compute/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{FRIENDS}?period={CUSTOM_KEY}",
    )
    html = _text(response)
    assert "Computing" in html
    assert "10 February 2024 to 20 May 2024" in html
    assert 'hx-trigger="every 2s"' in html
    assert f'href="{FRIENDS}?period={CUSTOM_KEY}"' in html  # check again: the page itself
    assert "HX-Refresh" not in response
    run.status = Run.Status.DONE
    run.save()
    response = client.get(f"/outcomes/runs/{run.pk}/compute/", HTTP_HX_REQUEST="true")
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in _text(response)


def test_failed_computation_offers_to_try_again_without_the_error_text(
    snapshots, client_for, commissioner
):
    _run(Run.Status.FAILED, result={"error": "OperationalError: no such table"})
    html = _text(client_for(commissioner).get(FRIENDS, {"period": CUSTOM_KEY}))
    assert "Failed" in html
    assert "OperationalError" not in html
    assert ">Try again</button>" in html
    assert f'name="period" value="{CUSTOM_KEY}"' in html


@pytest.mark.parametrize("persona", ["link_worker", "practice_staff", "volunteer"])
def test_compute_status_is_for_commissioners_and_administrators(
    db, client_for, request, persona, admin_user
):
    run = _run(Run.Status.RUNNING)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(f"/outcomes/runs/{run.pk}/compute/").status_code == 404
    assert client_for(admin_user).get(f"/outcomes/runs/{run.pk}/compute/").status_code == 200


def test_compute_status_of_an_import_run_is_404(db, client_for, commissioner):
    run = Run.objects.create(kind="population")
    assert client_for(commissioner).get(f"/outcomes/runs/{run.pk}/compute/").status_code == 404


def test_computed_on_request_the_page_fills_in(
    snapshots, client_for, commissioner, django_capture_on_commit_callbacks
):
    """The real job, in-process (no broker): once it has run, the page shows figures."""
    client = client_for(commissioner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(COMPUTE, {"period": CUSTOM_KEY})
    run = Run.objects.get()
    assert run.status == Run.Status.DONE
    assert MetricSnapshot.objects.filter(
        metric="friends", start=dt.date(2024, 2, 10), end=dt.date(2024, 5, 20)
    ).exists()
    html = _text(client.get(response["Location"]))
    assert 'id="figures"' in html
    assert "Compute these figures" not in html


# --- the overview's filters ----------------------------------------------------------------


def test_overview_says_each_figures_period_in_words(snapshots, client_for, commissioner):
    html = _text(client_for(commissioner).get(OVERVIEW))
    card = html[html.index('id="card-friends"') : html.index('id="card-citizen_led"')]
    assert "Whole area, 1 January 2026 to 31 March 2026" in card
    # the headline's label says its period too
    assert re.search(
        r'data-headline>1\.0</span><br><span class="nhsuk-body-s">[^<]+, '
        r"1 January 2026 to 31 March 2026</span>",
        card,
    )


def test_overview_filters_by_practice_and_pcn(snapshots, client_for, commissioner, practice_a):
    client = client_for(commissioner)
    html = _text(client.get(OVERVIEW, {"period": Q1_KEY, "practice": "A00001"}))
    card = html[html.index('id="card-friends"') : html.index('id="card-citizen_led"')]
    assert "Practice Canal Street Surgery (A00001), 1 January 2026 to 31 March 2026" in card
    assert "data-cohort>60<" in card  # the practice's cohort (the whole area has 120)
    assert "level=practice" in card and "code=A00001" in card
    citizen = html[html.index('id="card-citizen_led"') : html.index('id="card-coverage"')]
    assert "not given by practice" in citizen  # a whole-area-only measure says so
    html = _text(client.get(OVERVIEW, {"period": Q1_KEY, "pcn": "U00001"}))
    card = html[html.index('id="card-friends"') : html.index('id="card-citizen_led"')]
    assert "Primary care network Central PCN (U00001)" in card
    assert "data-cohort>60<" in card


def test_overview_filters_keep_small_numbers_withheld(db, client_for, commissioner, practice_a):
    snapshot_rows("friends", total=change_values(30))
    snapshot_rows("friends", total=change_values(5), level="practice", code="A00001")
    snapshot_rows("friends", total=change_values(5), level="pcn", code="U00001")
    html = _text(client_for(commissioner).get(OVERVIEW, {"period": Q1_KEY, "practice": "A00001"}))
    card = html[html.index('id="card-friends"') : html.index('id="card-citizen_led"')]
    assert "data-cohort>*<" in card
    assert "data-cohort>5<" not in card


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"period": "nonsense"}, "period", "Choose a period from the list"),
        ({"practice": "Z99999"}, "practice", "Choose a practice from the list"),
        ({"pcn": "NOPE"}, "pcn", "Choose a PCN from the list"),
        (
            {"pcn": "U00001", "practice": "B00002"},
            "practice",
            "Choose a practice in the PCN you chose, or all practices",
        ),
    ],
)
def test_overview_bad_filters_show_an_error_summary(
    snapshots, client_for, commissioner, practice_b, params, field, message
):
    html = _text(client_for(commissioner).get(OVERVIEW, {"period": "", **params}))
    assert "There is a problem" in html
    assert f'<a href="#id_{field}">{message}</a>' in html
    assert 'id="card-friends"' not in html


def test_overview_period_not_computed_offers_to_compute_every_measure(
    snapshots, client_for, commissioner, task_delay, django_capture_on_commit_callbacks
):
    client = client_for(commissioner)
    html = _text(client.get(OVERVIEW, {"period": CUSTOM_KEY}))
    assert (
        "None of these figures have been computed for 10 February 2024 to 20 May 2024 yet." in html
    )
    assert html.count("Not computed for 10 February 2024 to 20 May 2024 yet.") == len(
        metrics_enabled()
    )
    assert ">Compute these figures</button>" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/outcomes/compute/", {"period": CUSTOM_KEY, "practice": "A00001"})
    assert response.status_code == 302
    assert response["Location"] == f"{OVERVIEW}?period=2024-02-10%2F2024-05-20&practice=A00001"
    assert Run.objects.count() == len(metrics_enabled())
    assert task_delay.call_count == len(metrics_enabled())
    html = _text(client.get(OVERVIEW, {"period": CUSTOM_KEY}))
    assert "They are being computed" in html
    assert html.count('hx-trigger="every 2s"') == len(metrics_enabled())
    assert ">Compute these figures</button>" not in html


def test_overview_computes_only_the_measures_missing(
    snapshots, client_for, commissioner, task_delay, django_capture_on_commit_callbacks
):
    start, end = dt.date(2024, 2, 10), dt.date(2024, 5, 20)
    snapshot_rows("friends", total=change_values(40), start=start, end=end)
    html = _text(client_for(commissioner).get(OVERVIEW, {"period": CUSTOM_KEY}))
    assert "Some of these figures have not been computed" in html
    with django_capture_on_commit_callbacks(execute=True):
        client_for(commissioner).post("/outcomes/compute/", {"period": CUSTOM_KEY})
    kinds = set(Run.objects.values_list("kind", flat=True))
    assert "metric:friends" not in kinds
    assert len(kinds) == len(metrics_enabled()) - 1


def test_overview_with_a_period_query_count(
    snapshots, client_for, commissioner, django_assert_max_num_queries
):
    client = client_for(commissioner)
    # session, user, periods, practices, rows, and the period's runs (these snapshots have no
    # ons4 figures, so that card asks whether a run is under way)
    with django_assert_max_num_queries(6):
        assert client.get(OVERVIEW, {"period": Q1_KEY, "practice": "A00001"}).status_code == 200
    # not computed: the runs of the period too
    with django_assert_max_num_queries(6):
        assert client.get(OVERVIEW, {"period": CUSTOM_KEY}).status_code == 200


def test_overview_lists_practices_and_pcns(snapshots, client_for, commissioner):
    html = client_for(commissioner).get(OVERVIEW).content.decode()
    assert '<option value="A00001">Canal Street Surgery (A00001)</option>' in html
    assert '<option value="U00001">Central PCN (U00001)</option>' in html


def test_overview_filters_by_practice_with_the_latest_periods(snapshots, client_for, commissioner):
    html = _text(client_for(commissioner).get(OVERVIEW, {"practice": "A00001"}))
    card = html[html.index('id="card-friends"') : html.index('id="card-citizen_led"')]
    assert "data-cohort>60<" in card


def test_overview_dates_typed_with_the_period_left_at_latest_are_used(
    snapshots, client_for, commissioner
):
    params = {"period": "", **_dates("start", dt.date(2024, 2, 10))}
    params |= _dates("end", dt.date(2024, 5, 20))
    html = _text(client_for(commissioner).get(OVERVIEW, params))
    assert "None of these figures have been computed for 10 February 2024 to 20 May 2024" in html


def test_csv_of_a_computed_custom_range(snapshots, client_for, commissioner):
    start, end = dt.date(2024, 2, 10), dt.date(2024, 5, 20)
    snapshot_rows("friends", total=change_values(40), start=start, end=end)
    client = client_for(commissioner)
    html = client.get(FRIENDS, _custom(start, end)).content.decode()
    link = re.search(r'href="(/outcomes/metrics/friends/csv/\?[^"]+)"', html).group(1)
    assert "period=2024-02-10%2F2024-05-20" in link
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 200
    assert "friends_2024-02-10_2024-05-20_all_total.csv" in response["Content-Disposition"]
