"""The gaps summary as commissioners see it: the same small-number rule as the outcome
figures (docs/security.md, "Small numbers"). Counts of gaps and of people from 1 to 7 are
withheld, and so are enough others that none can be worked out by subtraction: the statuses
and the categories both add up to all gaps (and to all people), the categories' "not yet
filled" adds up to the open and being-worked-on gaps, and a category's filled gaps are its
gaps minus its unfilled ones. Link workers and administrators see every gap anyway, so they
see exact figures."""

from __future__ import annotations

from typing import Any

from socialrx.disclosure import Table, protect
from socialrx.models import Role

from .models import GapStatus

_UNFILLED = (GapStatus.OPEN.value, GapStatus.BEING_WORKED_ON.value)


def gaps_summary_exact_for(user: Any) -> bool:
    """Who sees the summary unsuppressed: those who may list every gap one by one."""
    return bool(getattr(user, "is_admin", False)) or getattr(user, "role", None) == Role.LINK_WORKER


def _table(summary: dict[str, Any]) -> Table:
    table = Table.empty()
    for status, row in summary["by_status"]:
        for name in ("gaps", "people"):
            table.values[("status", status.value, name)] = int(row[name])
    for row in summary["by_category"]:
        for name in ("gaps", "open", "people"):
            table.values[("category", row["category"], name)] = int(row[name])
    statuses = [s.value for s, _ in summary["by_status"]]
    categories = [row["category"] for row in summary["by_category"]]
    # The totals are shown nowhere but follow from either side.
    for name in ("gaps", "people"):
        table.values[("total", name)] = sum(table.values[("status", s, name)] for s in statuses)
        table.hidden.add(("total", name))
        for side, keys in (("status", statuses), ("category", categories)):
            table.add_sum(
                ("total", name), [(side, k, name) for k in keys], residual=(side, "rest", name)
            )
    table.values[("total", "open")] = sum(table.values[("status", s, "gaps")] for s in _UNFILLED)
    table.hidden.add(("total", "open"))
    table.add_sum(
        ("total", "open"), [("status", s, "gaps") for s in _UNFILLED], residual=("rest", "open")
    )
    table.add_sum(
        ("total", "open"),
        [("category", c, "open") for c in categories],
        residual=("category", "rest", "open"),
    )
    for c in categories:
        table.add_sum(
            ("category", c, "gaps"), [("category", c, "open")], residual=("category", c, "filled")
        )
    return table


def gaps_summary_shown(summary: dict[str, Any], *, exact: bool) -> dict[str, Any]:
    """The summary with withheld figures set to None and listed in each row's ``withheld``;
    ``any_withheld`` says whether to explain the ``*``."""
    withheld = set() if exact else protect(_table(summary))
    started = summary["groups_started"]
    started_withheld = not exact and 0 < started < 8

    def row_shown(side: str, key: str, row: dict[str, Any], names: tuple[str, ...]) -> dict:
        hidden = [n for n in names if (side, key, n) in withheld]
        return {**row, **dict.fromkeys(hidden), "withheld": hidden}

    by_status = [
        (status, row_shown("status", status.value, row, ("gaps", "people")))
        for status, row in summary["by_status"]
    ]
    by_category = [
        row_shown("category", row["category"], row, ("gaps", "open", "people"))
        for row in summary["by_category"]
    ]
    return {
        "by_status": by_status,
        "by_category": by_category,
        "groups_started": None if started_withheld else started,
        "groups_started_withheld": started_withheld,
        "any_withheld": started_withheld
        or any(r["withheld"] for _, r in by_status)
        or any(r["withheld"] for r in by_category),
    }
