"""The administrators' upload page and the import run page."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from outcomes.imports import runs
from outcomes.models import Run
from socialrx.models import LsoaImd

pytestmark = pytest.mark.django_db

URL = "/manage/imports/"
GOOD = b"lsoa_code,imd_decile\nE01000001,3\nE01000002,10\n"
BAD = b"lsoa_code,imd_decile\nE01000001,3\nE01000002,11\n"


def upload(client, content: bytes, kind: str = "lsoa_imd", name: str = "lsoa.csv"):
    return client.post(URL, {"kind": kind, "file": SimpleUploadedFile(name, content)})


def test_url_names():
    assert reverse("outcomes_imports:imports") == URL
    assert reverse("outcomes_imports:run", args=[3]) == URL + "3/"


def test_admin_sees_the_upload_page(client_for, admin_user):
    response = client_for(admin_user).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Import data" in body
    assert 'enctype="multipart/form-data"' in body
    assert "Registered population (population.csv)" in body


@pytest.mark.parametrize(
    "persona",
    ["link_worker", "other_link_worker", "practice_staff", "volunteer", "commissioner"],
)
def test_everyone_else_gets_404(request, client_for, persona):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    assert client.get(URL).status_code == 404
    assert upload(client, GOOD).status_code == 404
    run = Run.objects.create(kind="lsoa_imd")
    assert client.get(f"{URL}{run.pk}/").status_code == 404
    assert not LsoaImd.objects.exists()


def test_anonymous_is_sent_to_log_in(anon_client):
    response = anon_client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_good_upload_imports_and_shows_the_result(client_for, admin_user):
    client = client_for(admin_user)
    response = upload(client, GOOD)
    run = Run.objects.get()
    assert response.status_code == 302
    assert response.url == f"{URL}{run.pk}/"
    assert (run.kind, run.status, run.created_by) == ("lsoa_imd", "done", admin_user)
    assert LsoaImd.objects.count() == 2
    page = client.get(response.url).content.decode()
    assert "Imported 2 rows of lsoa_imd: 2 created" in page
    assert "hx-trigger" not in page
    # The uploaded file may hold personal data: it is not kept once imported.
    assert not default_storage.exists(run.params["file"])


def test_bad_upload_shows_the_error_report_and_imports_nothing(client_for, admin_user):
    client = client_for(admin_user)
    response = upload(client, BAD)
    run = Run.objects.get()
    assert run.status == "failed"
    assert not LsoaImd.objects.exists()
    page = client.get(response.url).content.decode()
    assert "Nothing was imported" in page
    assert "Nothing imported: 1 bad row in the lsoa_imd file." in page
    assert '<td class="nhsuk-table__cell">3</td>' in page  # the line
    assert "imd_decile" in page
    assert "&quot;11&quot; is out of range" in page
    assert "a whole number from 1 to 10" in page


def test_more_than_100_bad_rows_shows_the_count_of_the_rest(client_for, admin_user):
    content = b"lsoa_code,imd_decile\n" + b"".join(f"E01{n:06d},0\n".encode() for n in range(130))
    client = client_for(admin_user)
    page = client.get(upload(client, content).url).content.decode()
    assert page.count("is out of range") == 100
    assert "and 30 more bad rows not listed" in page


def test_missing_file_and_kind_show_the_error_summary(client_for, admin_user):
    response = client_for(admin_user).post(URL, {"kind": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Choose the kind of file you are importing" in body
    assert "Choose a CSV file to upload" in body
    assert not Run.objects.exists()


def test_large_upload_runs_on_the_worker_and_reports_progress(
    client_for, admin_user, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(runs, "IN_REQUEST_MAX_BYTES", 10)
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = upload(client, GOOD)
    run = Run.objects.get()
    assert run.status == "queued"
    assert len(callbacks) == 1
    # While it waits, the page polls its status partial.
    waiting = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in waiting
    assert "Waiting to start" in waiting
    assert "<html" not in waiting
    callbacks[0]()  # the eager Celery task runs here
    run.refresh_from_db()
    assert (run.status, run.progress, run.total) == ("done", 2, 2)
    assert LsoaImd.objects.count() == 2
    done = client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert "Imported 2 rows" in done
    assert "hx-trigger" not in done


def test_running_run_shows_progress(client_for, admin_user):
    run = Run.objects.create(
        kind="appointments", status="running", progress=1500, total=3000, params={"size": 1}
    )
    body = client_for(admin_user).get(f"{URL}{run.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "1,500 of about 3,000 rows read" in body
    assert 'value="1500"' in body


def test_task_delivered_twice_imports_once(admin_user):
    default_storage.save("imports/twice.csv", SimpleUploadedFile("x.csv", GOOD))
    run = Run.objects.create(kind="lsoa_imd", params={"file": "imports/twice.csv"})
    runs.import_run_execute(run_id=run.pk)
    runs.import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "done"
    assert run.result["created"] == 2


def test_metric_runs_are_not_import_pages(client_for, admin_user):
    run = Run.objects.create(kind="metric:friends")
    assert client_for(admin_user).get(f"{URL}{run.pk}/").status_code == 404


def test_recent_imports_list_has_a_fixed_query_count(
    client_for, admin_user, django_assert_max_num_queries
):
    for i in range(15):
        Run.objects.create(
            kind="people", status="done", created_by=admin_user, params={"filename": f"f{i}.csv"}
        )
    client = client_for(admin_user)
    with django_assert_max_num_queries(6):
        body = client.get(URL).content.decode()
    assert body.count("f1") >= 1
    assert body.count("Imported</strong>") == 15


def test_a_nul_character_is_reported_by_line_and_column_on_the_page(client_for, admin_user):
    response = upload(
        client_for(admin_user), b"lsoa_code,imd_decile\nE01000001,3\nE01000002,1\x00\n"
    )
    body = client_for(admin_user).get(response.url).content.decode()
    assert "Nothing imported: 1 bad row in the lsoa_imd file." in body
    assert "holds a NUL character (a zero byte)" in body
    assert '<td class="nhsuk-table__cell">3</td>' in body
    assert '<td class="nhsuk-table__cell">imd_decile</td>' in body
    assert not LsoaImd.objects.exists()
