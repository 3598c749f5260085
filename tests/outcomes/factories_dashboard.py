"""Snapshot rows for dashboard and API tests, made directly (the computations are tested in
their own files)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from outcomes.models import MetricSnapshot

Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
YEAR = (dt.date(2025, 4, 1), dt.date(2026, 3, 31))


class MetricSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MetricSnapshot

    metric = "friends"
    start = Q1[0]
    end = Q1[1]
    window = 0
    level = "all"
    code = ""
    dimension = "total"
    group = "all"
    values = factory.LazyFunction(dict)
    computed_at = factory.LazyFunction(timezone.now)


def change_values(n: int, *, base: float = 2.0, up: float = 1.0) -> dict[str, Any]:
    """friends / wellbeing values for a cohort of n (half up, a quarter same, a quarter down)."""
    if n == 0:
        return {
            "n": 0,
            "mean_baseline": None,
            "mean_followup": None,
            "mean_change": None,
            "pct_increased": None,
            "pct_no_change": None,
            "pct_decreased": None,
        }
    inc, same = n // 2, n // 4
    dec = n - inc - same
    return {
        "n": n,
        "mean_baseline": base,
        "mean_followup": base + up,
        "mean_change": up,
        "pct_increased": inc / n * 100,
        "pct_no_change": same / n * 100,
        "pct_decreased": dec / n * 100,
    }


def demand_values(n: int) -> dict[str, Any]:
    if n == 0:
        return {
            "n": 0,
            "mean_pre": None,
            "mean_post": None,
            "mean_change": None,
            "pct_reduced": None,
        }
    reduced = n * 3 // 5
    return {
        "n": n,
        "mean_pre": 8.25,
        "mean_post": 6.5,
        "mean_change": -1.75,
        "pct_reduced": reduced / n * 100,
    }


def coverage_values(reached: int, population: int) -> dict[str, Any]:
    return {
        "population": population,
        "reached": reached,
        "reach_per_1000": reached / population * 1000 if population else None,
    }


def snapshot_rows(
    metric: str,
    *,
    total: dict[str, Any],
    groups: dict[str, dict[str, dict[str, Any]]] | None = None,
    start: dt.date = Q1[0],
    end: dt.date = Q1[1],
    window: int = 0,
    level: str = "all",
    code: str = "",
    computed_at: dt.datetime | None = None,
) -> list[MetricSnapshot]:
    common = {
        "metric": metric,
        "start": start,
        "end": end,
        "window": window,
        "level": level,
        "code": code,
        "computed_at": computed_at or timezone.now(),
    }
    rows = [MetricSnapshotFactory.build(**common, dimension="total", group="all", values=total)]
    for dim, by_group in (groups or {}).items():
        rows += [
            MetricSnapshotFactory.build(**common, dimension=dim, group=g, values=v)
            for g, v in by_group.items()
        ]
    return MetricSnapshot.objects.bulk_create(rows)


QUINTILE_REACH = {
    "1": (90, 4000),
    "2": (60, 3500),
    "3": (40, 3000),
    "4": (30, 2500),
    "5": (20, 2000),
}


def demo_snapshots(
    *,
    start: dt.date = Q1[0],
    end: dt.date = Q1[1],
    practices: tuple[str, ...] = ("A00001",),
    pcns: tuple[str, ...] = ("U00001",),
) -> None:
    """Demo-like rows for all seven metrics at every level, with a few small (suppressed)
    cells: friends sex "other" has n=3; coverage quintile "unknown" has 5 reached."""
    places = [("all", "")] + [("pcn", c) for c in pcns] + [("practice", c) for c in practices]
    for level, code in places:
        scale = 1 if level == "all" else 2
        kw = {"start": start, "end": end, "level": level, "code": code}
        snapshot_rows(
            "friends",
            total=change_values(120 // scale),
            groups={
                "sex": {
                    "female": change_values(70 // scale, up=1.2),
                    "male": change_values(47 // scale - 3 * (scale - 1), up=0.7),
                    "other": change_values(3),
                    "unknown": change_values(0),
                },
                "imd_quintile": {
                    q: change_values(n // scale, up=up)
                    for q, n, up in [
                        ("1", 40, 1.6),
                        ("2", 30, 1.2),
                        ("3", 20, 0.9),
                        ("4", 18, 0.6),
                        ("5", 12, 0.4),
                        ("unknown", 0, 0),
                    ]
                },
            },
            **kw,
        )
        snapshot_rows(
            "wellbeing",
            total=change_values(64 // scale, base=20.0, up=1.5),
            groups={
                "sex": {"female": change_values(40 // scale), "male": change_values(24 // scale)}
            },
            **kw,
        )
        quintiles = {
            q: coverage_values(r // scale, p // scale) for q, (r, p) in QUINTILE_REACH.items()
        }
        quintiles["unknown"] = coverage_values(5, 500)
        snapshot_rows(
            "coverage",
            total={
                **coverage_values(245 // scale, 15500 // scale),
                "unregistered_reached": 12 if level == "all" else None,
                "rate_ratio_q1_q5": 2.25,
                "concentration_index": -0.18,
            },
            groups={"imd_quintile": quintiles},
            **kw,
        )
        snapshot_rows(
            "demand",
            total=demand_values(40 // scale),
            groups={
                "sex": {"female": demand_values(25 // scale), "male": demand_values(15 // scale)}
            },
            window=6,
            **kw,
        )
        snapshot_rows(
            "connections",
            total={"connections": 210 // scale},
            groups={
                "kind": {
                    "signpost": {"connections": 120 // scale},
                    "supported": {"connections": 84 // scale},
                    "accompanied": {"connections": 6},
                }
            },
            **kw,
        )
        snapshot_rows(
            "service",
            total={
                "referrals": 300 // scale,
                "median_days_to_first_conversation": 9.5,
                "open_cases": 150 // scale,
            },
            groups={
                "source": {
                    "gp": {"referrals": 200 // scale},
                    "self": {"referrals": 94 // scale},
                    "community": {"referrals": 6},
                }
            },
            **kw,
        )
    snapshot_rows(
        "citizen_led",
        total={
            "citizen_led_active": 34,
            "sector_led_active": 66,
            "citizen_led_share": 34.0,
            "citizen_led_formed": 5,
            "connections": 210,
            "connections_to_citizen_led": 70,
            "connections_citizen_share": 70 / 210 * 100,
            "volunteers_from_referred": 9,
        },
        start=start,
        end=end,
    )
