"""The metric jobs: idempotent replacement in one transaction, the Celery task and its Run,
the command, and the nightly schedule."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from outcomes.metrics.periods import last_12_months, quarter_of, standard_periods
from outcomes.metrics.registry import METRIC_NAMES
from outcomes.metrics.sql import SnapshotRow
from outcomes.models import MetricSnapshot, Run
from outcomes.services import metrics as service
from outcomes.services.metrics import metric_compute
from outcomes.tasks import metric_compute_task, metrics_refresh_task
from socialrx.celery import app
from tests.outcomes.factories import ALL, PersonFactory, RunFactory, snapshot_rows
from tests.referrals.factories import FriendsObservationFactory
from tests.socialrx.factories import PracticeFactory

pytestmark = pytest.mark.django_db

START, END = dt.date(2026, 1, 1), dt.date(2026, 3, 31)


def stored(metric: str = "friends") -> list[tuple]:
    return sorted(
        MetricSnapshot.objects.filter(metric=metric, start=START, end=END).values_list(
            "level", "code", "dimension", "group", "values"
        ),
        key=repr,
    )


@pytest.fixture
def friends_data():
    PracticeFactory(ods_code="F00001")
    person = PersonFactory()
    FriendsObservationFactory(person=person, observed_on=dt.date(2025, 10, 1), friends_count=1)
    FriendsObservationFactory(person=person, observed_on=dt.date(2026, 2, 1), friends_count=2)


def test_metric_names_are_the_eight_metrics():
    assert METRIC_NAMES == (
        "friends",
        "wellbeing",
        "ons4",
        "citizen_led",
        "coverage",
        "demand",
        "connections",
        "service",
    )


def test_running_twice_gives_identical_rows(friends_data):
    first_count = metric_compute(metric="friends", start=START, end=END)
    first = stored()
    second_count = metric_compute(metric="friends", start=START, end=END)

    assert first_count == second_count == len(first) == MetricSnapshot.objects.count()
    assert stored() == first
    # 1 code at "all" + 1 PCN + 1 practice, each with total + 6 + 10 + 4 + 6 groups.
    assert first_count == 3 * 27


def test_new_data_replaces_the_period_rows_and_leaves_other_periods(friends_data):
    metric_compute(metric="friends", start=START, end=END)
    metric_compute(metric="friends", start=START, end=dt.date(2026, 2, 28))
    person = PersonFactory()
    FriendsObservationFactory(person=person, observed_on=dt.date(2025, 1, 1), friends_count=0)
    FriendsObservationFactory(person=person, observed_on=dt.date(2026, 3, 1), friends_count=0)

    rows = snapshot_rows("friends", START, END)

    assert rows[ALL]["n"] == 2
    other = MetricSnapshot.objects.get(
        metric="friends", start=START, end=dt.date(2026, 2, 28), level="all", dimension="total"
    )
    assert other.values["n"] == 1


def test_a_job_failing_half_way_leaves_the_previous_rows(friends_data):
    metric_compute(metric="friends", start=START, end=END)
    before = stored()
    FriendsObservationFactory(
        person=PersonFactory(), observed_on=dt.date(2026, 3, 1), friends_count=4
    )
    original_store = service._store

    def store_then_die(rows, **kwargs):
        # The old rows have been deleted and some new ones written when the job dies.
        original_store(list(rows)[:5], **kwargs)
        assert MetricSnapshot.objects.filter(metric="friends").count() == 5
        raise RuntimeError("worker killed")

    with mock.patch.object(service, "_store", store_then_die), pytest.raises(RuntimeError):
        metric_compute(metric="friends", start=START, end=END)

    assert stored() == before


def test_demand_rows_are_keyed_by_window_and_others_by_zero():
    metric_compute(metric="demand", start=START, end=END, window=3)
    metric_compute(metric="friends", start=START, end=END, window=3)

    assert set(MetricSnapshot.objects.values_list("metric", "window")) == {
        ("demand", 3),
        ("friends", 0),
    }


def test_every_row_holds_exactly_the_metric_value_names():
    PracticeFactory(ods_code="F00002")
    written = {m: metric_compute(metric=m, start=START, end=END) for m in METRIC_NAMES}

    assert set(written) == set(METRIC_NAMES)
    names = {
        "friends": {"n", "mean_baseline", "mean_followup", "mean_change"},
        "service": {"referrals", "median_days_to_first_conversation", "open_cases"},
        "connections": {"connections"},
    }
    for metric, expected in names.items():
        for values in MetricSnapshot.objects.filter(metric=metric).values_list("values", flat=True):
            assert expected <= set(values)
            if metric != "friends":
                assert set(values) == expected


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="Unknown metric"):
        metric_compute(metric="happiness", start=START, end=END)
    with pytest.raises(ValueError, match="after its end"):
        metric_compute(metric="friends", start=END, end=START)


def test_task_marks_the_run_done_with_progress(friends_data):
    run = RunFactory(kind="metric:friends")

    metric_compute_task.delay("friends", START.isoformat(), END.isoformat(), 6, run.pk)

    run.refresh_from_db()
    assert run.status == Run.Status.DONE
    assert run.progress == 1
    assert run.started_at is not None and run.finished_at is not None
    assert run.result == {"rows": 81}
    assert stored()


def test_task_marks_the_run_failed_and_keeps_old_rows(friends_data):
    metric_compute(metric="friends", start=START, end=END)
    before = stored()
    run = RunFactory(kind="metric:friends")

    with (
        mock.patch.object(service, "_store", side_effect=RuntimeError("database went away")),
        pytest.raises(RuntimeError),
    ):
        metric_compute_task.delay("friends", START.isoformat(), END.isoformat(), 6, run.pk)

    run.refresh_from_db()
    assert run.status == Run.Status.FAILED
    assert "database went away" in run.result["error"]
    assert stored() == before


def test_task_has_time_limits():
    assert metric_compute_task.time_limit and metric_compute_task.soft_time_limit


def test_nightly_refresh_is_scheduled_and_covers_quarter_and_twelve_months(friends_data):
    entry = app.conf.beat_schedule["outcomes-metrics-refresh"]
    assert entry["task"] == "outcomes.tasks.metrics_refresh_task"

    queued = metrics_refresh_task.delay().get()

    # The current quarter and the 12 months, and (once) the 7 quarters before the current one
    # that the two-year trend shows and nothing has computed yet.
    assert queued == (2 + 7) * len(METRIC_NAMES)
    assert MetricSnapshot.objects.values("start", "end").distinct().count() == 9
    assert metrics_refresh_task.delay().get() == 2 * len(METRIC_NAMES)


def test_periods():
    assert quarter_of(dt.date(2026, 11, 23)) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert quarter_of(dt.date(2026, 2, 28)) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert last_12_months(dt.date(2026, 11, 23)) == (dt.date(2025, 11, 24), dt.date(2026, 11, 23))
    assert standard_periods(today=dt.date(2026, 5, 1), quarters=2) == [
        (dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        (dt.date(2025, 5, 2), dt.date(2026, 5, 1)),
    ]


def test_command_computes_with_progress_output(friends_data):
    out = StringIO()

    call_command(
        "compute_metrics",
        "--start",
        "2026-01-01",
        "--end",
        "2026-03-31",
        "--metric",
        "friends",
        stdout=out,
    )

    assert "[1/1] friends: 81 rows" in out.getvalue()
    assert len(stored()) == 81


def test_command_refuses_bad_dates():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("compute_metrics", "--start", "2026-13-01", "--end", "2026-03-31")
    with pytest.raises(CommandError, match="after"):
        call_command("compute_metrics", "--start", "2026-04-01", "--end", "2026-03-31")


def test_snapshot_row_is_a_plain_tuple():
    row = SnapshotRow("all", "", "total", "all", {"n": 0})
    assert row.level == "all" and row.values == {"n": 0}
