"""Questions the case apps ask of apps above them, answered by whichever app registers.

Whether a group was funded for social-prescribing referrals on a day is decided from funding
awards, which live in an app that uses this one: it registers its answer here when it loads,
so that ``connection_make`` can keep the answer on the connection without importing it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

FundedCheck = Callable[[int, dt.date], bool]

_funded_checks: list[FundedCheck] = []


def funded_check_register(check: FundedCheck) -> None:
    if check not in _funded_checks:
        _funded_checks.append(check)


def funded_on(*, asset_id: int, on: dt.date) -> bool | None:
    """Whether the group was funded on ``on``; ``None`` when no app can say."""
    if not _funded_checks:
        return None
    return any(check(asset_id, on) for check in _funded_checks)
