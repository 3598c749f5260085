"""The metrics API: shape, errors, who may use it, suppression, schema, query counts."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.outcomes.factories_dashboard import (
    Q1,
    YEAR,
    change_values,
    demo_snapshots,
    snapshot_rows,
)

URL = "/api/v1/metrics/friends/"
Q1_PARAMS = {"start": "2026-01-01", "end": "2026-03-31"}


@pytest.fixture
def snapshots(db, practice_a, pcn):
    demo_snapshots(practices=("A00001",), pcns=("U00001",))


def _api(user=None, *, token: bool = False) -> APIClient:
    client = APIClient()
    if user is not None:
        if token:
            client.credentials(
                HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}"
            )
        else:
            client.force_login(user)
    return client


def test_commissioner_gets_the_metrics_md_shape(snapshots, commissioner):
    response = _api(commissioner).get(URL, Q1_PARAMS)
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["metric", "start", "end", "computed_at", "rows"]
    assert body["metric"] == "friends"
    assert (body["start"], body["end"]) == ("2026-01-01", "2026-03-31")
    first = body["rows"][0]
    assert list(first) == ["level", "code", "dimension", "group", "values", "suppressed"]
    assert first == {
        "level": "all",
        "code": None,
        "dimension": "total",
        "group": "all",
        "values": change_values(120),
        "suppressed": False,
    }
    levels = [r["level"] for r in body["rows"]]
    assert levels == sorted(levels, key=["all", "pcn", "practice"].index)
    assert {r["code"] for r in body["rows"] if r["level"] == "practice"} == {"A00001"}


def test_commissioner_token_sees_small_numbers_withheld(snapshots, commissioner):
    body = _api(commissioner, token=True).get(URL, Q1_PARAMS).json()
    other = next(
        r
        for r in body["rows"]
        if r["level"] == "all" and r["dimension"] == "sex" and r["group"] == "other"
    )
    assert other["suppressed"] is True
    assert set(other["values"]) == set(change_values(3))
    assert all(v is None for v in other["values"].values())
    unknown = next(
        r
        for r in body["rows"]
        if r["level"] == "all" and r["dimension"] == "sex" and r["group"] == "unknown"
    )
    assert unknown["values"]["n"] == 0  # zero is shown
    assert unknown["suppressed"] is False


def test_administrator_sees_exact_values(snapshots, admin_user):
    body = _api(admin_user, token=True).get(URL, Q1_PARAMS).json()
    other = next(
        r
        for r in body["rows"]
        if r["level"] == "all" and r["dimension"] == "sex" and r["group"] == "other"
    )
    assert other["values"] == change_values(3)
    assert other["suppressed"] is False


def test_level_and_code_filter_rows(snapshots, commissioner):
    body = _api(commissioner).get(URL, {**Q1_PARAMS, "level": "practice", "code": "A00001"}).json()
    assert {(r["level"], r["code"]) for r in body["rows"]} == {("practice", "A00001")}
    body = _api(commissioner).get(URL, {**Q1_PARAMS, "level": "pcn"}).json()
    assert {(r["level"], r["code"]) for r in body["rows"]} == {("pcn", "U00001")}


def test_coverage_index_suppressed_in_context_of_its_code(db, commissioner):
    quintiles = {q: {"population": 300, "reached": 3, "reach_per_1000": 10.0} for q in "12345"}
    snapshot_rows(
        "coverage",
        total={
            "population": 1500,
            "reached": 15,
            "reach_per_1000": 10.0,
            "unregistered_reached": 0,
            "rate_ratio_q1_q5": 1.0,
            "concentration_index": 0.0,
        },
        groups={"imd_quintile": quintiles},
    )
    body = _api(commissioner).get("/api/v1/metrics/coverage/", Q1_PARAMS).json()
    total = body["rows"][0]
    assert total["dimension"] == "total"
    assert total["values"]["rate_ratio_q1_q5"] is None
    assert total["values"]["concentration_index"] is None
    assert total["values"]["reach_per_1000"] == 10.0
    assert total["suppressed"] is True


def test_demand_uses_its_window(db, commissioner):
    snapshot_rows("demand", total={"n": 10, "mean_pre": 1.0}, window=6)
    snapshot_rows("demand", total={"n": 20, "mean_pre": 2.0}, window=12)
    api = _api(commissioner)
    assert api.get("/api/v1/metrics/demand/", Q1_PARAMS).json()["rows"][0]["values"]["n"] == 10
    body = api.get("/api/v1/metrics/demand/", {**Q1_PARAMS, "window": 12}).json()
    assert body["rows"][0]["values"]["n"] == 20
    response = api.get("/api/v1/metrics/demand/", {**Q1_PARAMS, "window": 3})
    assert response.status_code == 404
    assert "window 3" in response.json()["error"]["message"]


def test_window_is_ignored_for_other_metrics(snapshots, commissioner):
    response = _api(commissioner).get(URL, {**Q1_PARAMS, "window": 12})
    assert response.status_code == 200


def test_period_not_computed_is_404_with_a_clear_message(snapshots, commissioner):
    response = _api(commissioner).get(URL, {"start": "2025-01-01", "end": "2025-03-31"})
    assert response.status_code == 404
    assert response.json()["error"]["message"] == (
        "friends has not been computed for 2025-01-01 to 2025-03-31."
    )


def test_unknown_code_in_a_computed_period_is_404(snapshots, commissioner):
    response = _api(commissioner).get(URL, {**Q1_PARAMS, "level": "practice", "code": "Z99999"})
    assert response.status_code == 404
    assert "no practice figures for Z99999" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        (URL, {"start": "2026-13-01", "end": "2026-03-31"}, "start"),
        (URL, {"start": "01/01/2026", "end": "2026-03-31"}, "start"),
        (URL, {"end": "2026-03-31"}, "start"),
        (URL, {"start": "2026-01-01"}, "end"),
        (URL, {"start": "2026-04-01", "end": "2026-03-31"}, "end"),
        (URL, {**Q1_PARAMS, "level": "region"}, "level"),
        (URL, {**Q1_PARAMS, "code": "A00001"}, "code"),
        (URL, {**Q1_PARAMS, "window": "0"}, "window"),
        ("/api/v1/metrics/happiness/", Q1_PARAMS, "metric"),
    ],
)
def test_bad_input_is_400_naming_the_field(snapshots, commissioner, url, params, field):
    response = _api(commissioner).get(url, params)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == 400
    assert field in error["fields"]


def test_unknown_metric_message_lists_the_metrics(db, commissioner):
    response = _api(commissioner).get("/api/v1/metrics/happiness/", Q1_PARAMS)
    message = response.json()["error"]["fields"]["metric"][0]
    assert "happiness" in message
    assert "friends" in message


def test_anonymous_gets_401_with_token_challenge(snapshots):
    for url in ("/api/v1/metrics/", URL):
        response = _api().get(url, Q1_PARAMS)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("persona", ["link_worker", "practice_staff", "volunteer"])
@pytest.mark.parametrize("token", [False, True])
def test_other_roles_get_404(snapshots, request, persona, token):
    user = request.getfixturevalue(persona)
    for url in ("/api/v1/metrics/", URL):
        response = _api(user, token=token).get(url, Q1_PARAMS)
        assert response.status_code == 404
        assert "friends" not in response.content.decode()


def test_list_shows_metrics_and_computed_periods(snapshots, commissioner):
    snapshot_rows("friends", total=change_values(200), start=YEAR[0], end=YEAR[1])
    body = _api(commissioner).get("/api/v1/metrics/").json()
    names = [m["metric"] for m in body["metrics"]]
    assert names[:4] == ["friends", "citizen_led", "coverage", "demand"]
    assert set(names) == {
        "friends",
        "citizen_led",
        "coverage",
        "demand",
        "connections",
        "service",
        "wellbeing",
        "ons4",
    }
    friends = body["metrics"][0]
    assert [(p["start"], p["end"]) for p in friends["periods"]] == [
        ("2026-01-01", "2026-03-31"),
        ("2025-04-01", "2026-03-31"),
    ]
    assert (
        friends["periods"][0]["url"] == "/api/v1/metrics/friends/?start=2026-01-01&end=2026-03-31"
    )
    assert friends["periods"][0]["window"] is None
    demand = next(m for m in body["metrics"] if m["metric"] == "demand")
    assert demand["periods"][0]["window"] == 6
    assert demand["periods"][0]["url"].endswith("&window=6")
    assert "n" in friends["values"]
    assert friends["caveat"].startswith("Self-reported")


def test_list_url_fetches_the_period(snapshots, commissioner):
    api = _api(commissioner)
    demand = next(
        m for m in api.get("/api/v1/metrics/").json()["metrics"] if m["metric"] == "demand"
    )
    assert api.get(demand["periods"][0]["url"]).status_code == 200


def test_wellbeing_hidden_when_swemwbs_is_off(snapshots, commissioner, settings):
    settings.SWEMWBS_ENABLED = False
    api = _api(commissioner)
    names = [m["metric"] for m in api.get("/api/v1/metrics/").json()["metrics"]]
    assert "wellbeing" not in names
    assert api.get("/api/v1/metrics/wellbeing/", Q1_PARAMS).status_code == 400


def test_schema_describes_both_endpoints(db, admin_user):
    response = _api(admin_user).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    detail = paths["/api/v1/metrics/{metric}/"]["get"]
    names = {p["name"] for p in detail["parameters"]}
    assert {"metric", "start", "end", "level", "code", "window"} <= names
    examples = detail["responses"]["200"]["content"]["application/json"]["examples"]
    assert any(e["value"]["metric"] == "friends" for e in examples.values())
    assert "/api/v1/metrics/" in paths


def test_detail_query_count_does_not_grow_with_rows(
    db, commissioner, django_assert_max_num_queries
):
    demo_snapshots(practices=("A00001", "B00002", "C00003"), pcns=("U00001", "U00002"))
    api = _api(commissioner, token=True)
    # token look-up (with its user) + the rows.
    with django_assert_max_num_queries(2):
        response = api.get(URL, {"start": "2026-01-01", "end": "2026-03-31"})
    assert len(response.json()["rows"]) > 50


def test_list_query_count(snapshots, commissioner, django_assert_max_num_queries):
    snapshot_rows("friends", total=change_values(200), start=YEAR[0], end=YEAR[1])
    api = _api(commissioner, token=True)
    with django_assert_max_num_queries(2):
        api.get("/api/v1/metrics/")


def test_q1_constant_matches_params():
    assert (Q1[0].isoformat(), Q1[1].isoformat()) == (Q1_PARAMS["start"], Q1_PARAMS["end"])
