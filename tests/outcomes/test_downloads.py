"""Downloads that stand alone: the CSV's columns, the XLSX board pack (opened with openpyxl),
the printable report, and who may have them."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from outcomes.downloads import CSV_AFTER, CSV_BEFORE, EXACT_RULE, SUPPRESSION_RULE
from outcomes.metrics.registry import METRICS, metrics_enabled
from tests.outcomes.factories_dashboard import demo_snapshots

CSV_URL = "/outcomes/metrics/friends/csv/"
PACK = "/outcomes/board-pack.xlsx"
REPORT = "/outcomes/report/"
Q1_KEY = "2026-01-01/2026-03-31"


@pytest.fixture
def snapshots(db, practice_a, pcn):
    demo_snapshots(practices=("A00001",), pcns=("U00001",))


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_rows_carry_metric_period_level_breakdown_rule_caveat_and_time(
    snapshots, client_for, commissioner
):
    response = client_for(commissioner).get(
        CSV_URL, {"period": Q1_KEY, "level": "practice", "code": "A00001", "dimension": "sex"}
    )
    rows = _csv(response)
    header = rows[0]
    assert header[:7] == [*CSV_BEFORE, "Breakdown"]
    assert header[-3:] == CSV_AFTER
    assert header[7:9] == ["Sex", "People in the cohort"]
    info = METRICS["friends"]
    for row in rows[1:]:
        assert len(row) == len(header)
        assert row[:7] == [info.title, "2026-01-01", "2026-03-31", "", "Practice", "A00001", "Sex"]
        computed, rule, caveat = row[-3:]
        assert computed[:4] == "2026" or computed[:2] == "20"
        assert rule == SUPPRESSION_RULE
        assert caveat == info.caveat
    other = next(r for r in rows if r[7] == "Other")
    assert set(other[8:-3]) == {"*"}


def test_demand_csv_carries_its_window(snapshots, client_for, commissioner):
    rows = _csv(client_for(commissioner).get("/outcomes/metrics/demand/csv/", {"window": 6}))
    assert {r[3] for r in rows[1:]} == {"6"}


def test_administrator_csv_says_figures_are_exact(snapshots, client_for, admin_user):
    rows = _csv(client_for(admin_user).get(CSV_URL, {"period": Q1_KEY}))
    assert {r[-2] for r in rows[1:]} == {EXACT_RULE}


def _pack(client):
    response = client.get(PACK)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].startswith('attachment; filename="outcomes_board_pack_')
    return load_workbook(io.BytesIO(response.content))


def _values(ws) -> list[list]:
    return [[c for c in row if c is not None] for row in ws.iter_rows(values_only=True)]


def test_board_pack_has_a_cover_and_one_sheet_per_metric(snapshots, client_for, commissioner):
    book = _pack(client_for(commissioner))
    names = book.sheetnames
    assert names[0] == "Cover"
    assert len(names) == 1 + len(metrics_enabled())
    cover = _values(book["Cover"])
    assert cover[0] == ["Social prescribing outcomes: board pack"]
    assert ["Suppression rule", SUPPRESSION_RULE] in cover
    listed = {row[0]: row for row in cover if row and row[0] in {m.title for m in METRICS.values()}}
    friends = listed[METRICS["friends"].title]
    assert friends[2] == "January to March 2026 (quarter)"
    assert METRICS["friends"].caveat in friends
    assert listed[METRICS["ons4"].title][2] == "Not computed yet"

    sheet = _values(book[METRICS["friends"].title[:31]])
    assert ["Caveat", METRICS["friends"].caveat] in sheet
    assert ["Period", "January to March 2026 (quarter)"] in sheet
    assert ["Suppression rule", SUPPRESSION_RULE] in sheet
    # Figures are numbers; withheld ones are "*".
    assert ["People in the cohort", 120] in sheet
    assert ["Mean friends at baseline", 2] in sheet or ["Mean friends at baseline", 2.0] in sheet
    other = next(r for r in sheet if r and r[0] == "Other")
    assert set(other[1:]) == {"*"}
    # PCNs and practices side by side, alphabetical, with the headline's interval column.
    header = next(r for r in sheet if r and r[0] == "Practice")
    assert header[2] == "95% confidence interval"


def test_board_pack_for_an_administrator_is_exact(snapshots, client_for, admin_user):
    book = _pack(client_for(admin_user))
    sheet = _values(book[METRICS["friends"].title[:31]])
    other = next(r for r in sheet if r and r[0] == "Other")
    assert other[1] == 3
    assert ["Suppression rule", EXACT_RULE] in _values(book["Cover"])


def test_printable_report_has_each_metric_chart_table_and_print_css(
    snapshots, client_for, commissioner
):
    response = client_for(commissioner).get(REPORT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "css/outcomes-print.css" in html
    assert "data-sx-print" in html
    for info in metrics_enabled():
        assert f'id="report-{info.name}"' in html
        assert info.caveat.replace("“", "&ldquo;")[:20] in html or info.caveat[:20] in html
    assert 'data-chart="chart-data-friends"' in html
    assert '<script id="chart-data-friends" type="application/json">' in html
    assert SUPPRESSION_RULE[:40] in html
    assert "style=" not in html and "onclick" not in html


def test_overview_links_to_the_downloads(snapshots, client_for, commissioner):
    html = client_for(commissioner).get("/outcomes/").content.decode()
    assert 'href="/outcomes/report/"' in html
    assert 'href="/outcomes/board-pack.xlsx" download' in html


@pytest.mark.parametrize("url", [PACK, REPORT])
@pytest.mark.parametrize("persona", ["link_worker", "practice_staff", "volunteer"])
def test_other_roles_may_not_download(snapshots, client_for, request, url, persona):
    assert client_for(request.getfixturevalue(persona)).get(url).status_code == 404


@pytest.mark.parametrize("url", [PACK, REPORT])
def test_anonymous_is_sent_to_log_in(db, anon_client, url):
    response = anon_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_board_pack_with_nothing_computed(db, client_for, commissioner):
    book = _pack(client_for(commissioner))
    assert len(book.sheetnames) == 1 + len(metrics_enabled())
