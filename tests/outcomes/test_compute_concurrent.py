"""Two people asking for the same period at the same moment share one run (PostgreSQL, where
requests write in parallel)."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from outcomes.models import Run
from outcomes.services.metric_runs import metrics_compute_on_request
from tests.socialrx.factories import CommissionerFactory

pytestmark = [pytest.mark.django_db(transaction=True)]

WAIT = 10  # seconds: the longest any thread here waits for another


def test_two_requests_at_once_start_one_run(postgres_required, commissioner):
    other = CommissionerFactory(username="comm_other")
    first_created, second_started = threading.Event(), threading.Event()
    create = Run.objects.create

    def create_and_hold(**kwargs: Any) -> Run:
        # The first request holds its transaction, its Run made and not yet committed, until
        # the second has started looking for one.
        run = create(**kwargs)
        if not first_created.is_set():
            first_created.set()
            second_started.wait(WAIT)
            threading.Event().wait(1.0)  # the second request reaches the database meanwhile
        return run

    results: dict[str, Any] = {}

    def ask(key: str, by: Any, before: threading.Event | None = None) -> None:
        try:
            if before is not None:
                assert before.wait(WAIT)
                second_started.set()
            results[key] = metrics_compute_on_request(
                metrics=[("friends", 0)],
                start=dt.date(2024, 2, 10),
                end=dt.date(2024, 5, 20),
                by=by,
            )
        except Exception as error:  # reported by the test, not lost in the thread
            results[key] = error
        finally:
            connection.close()

    with (
        mock.patch.object(Run.objects, "create", create_and_hold),
        mock.patch("outcomes.tasks.metric_compute_task.delay") as delay,
    ):
        threads = [
            threading.Thread(target=ask, args=("a", commissioner)),
            threading.Thread(target=ask, args=("b", other, first_created)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(3 * WAIT)
    assert not any(isinstance(r, Exception) for r in results.values()), results
    assert Run.objects.count() == 1
    assert results["a"][0].pk == results["b"][0].pk
    assert delay.call_count == 1
