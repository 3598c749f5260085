"""Figures computed on request by a real Celery worker on Redis (as in production), not in
the request: the commissioner's page shows the job queued, and the figures once the worker
has run it."""

from __future__ import annotations

import time
from unittest import mock

import pytest

from outcomes.models import Run
from outcomes.tasks import metric_compute_task
from tests.celery_support import celery_worker


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_period_asked_for_is_computed_by_the_worker(
    broker_url, postgres_required, client_for, commissioner
):
    client = client_for(commissioner)
    with celery_worker(broker_url, prefix="compute") as queue:

        def send(*args: object) -> object:
            return metric_compute_task.apply_async(args, queue=queue)

        with mock.patch.object(metric_compute_task, "delay", send):
            response = client.post(
                "/outcomes/metrics/friends/compute/", {"period": "2024-02-10/2024-05-20"}
            )
        assert response.status_code == 302
        run = Run.objects.get()
        deadline = time.monotonic() + 60
        while run.status not in (Run.Status.DONE, Run.Status.FAILED):
            assert time.monotonic() < deadline, "the worker did not finish within 60 s"
            time.sleep(0.5)
            run.refresh_from_db()
    assert run.status == Run.Status.DONE, run.result
    html = client.get(response["Location"]).content.decode()
    assert 'id="figures"' in html
    assert "Compute these figures" not in html
