"""``citizen_led``, the NHS England ``connections`` measure and the ``service`` figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from outcomes.metrics.dimensions import TOTAL, groups_of
from outcomes.metrics.sql import (
    SnapshotRow,
    T,
    counted_in_figures,
    date_param,
    datetime_param,
    day_number,
    grid,
    grouped,
    grouped_median,
    person_attributes,
    rows_from,
    share,
    sql_in,
)
from referrals.models import OPEN_STATUSES

# --- citizen_led ----------------------------------------------------------------------------


def citizen_led(
    *, start: dt.date, end: dt.date, window: int, dimensions: Sequence[str], levels: Sequence[str]
) -> list[SnapshotRow]:
    # Groups and connections are counted by the category of the group; a directory group
    # belongs to no practice, so there is one level, the whole area.
    assets = _assets(start, end, dimensions, levels)
    connections = grouped(
        f"""cohort AS (
            SELECT a.category, a.led_by FROM {T["connection"]} c
            JOIN {T["asset"]} a ON a.id = c.asset_id
            WHERE c.made_on BETWEEN %s AND %s AND {counted_in_figures("c.person_id")}
        )""",
        [date_param(start), date_param(end)],
        {
            "connections": "COUNT(*)",
            "to_citizen": "SUM(CASE WHEN led_by = 'citizen' THEN 1 ELSE 0 END)",
        },
        dimensions=dimensions,
        levels=levels,
    )
    volunteers = grouped(
        f"""cohort AS (
            SELECT ch.id FROM {T["champion"]} ch
            WHERE ch.person_id IS NOT NULL AND ch.started_on BETWEEN %s AND %s
                AND {counted_in_figures("ch.person_id")}
                AND EXISTS (SELECT 1 FROM {T["referral"]} r
                            WHERE r.person_id = ch.person_id AND r.received_on < ch.started_on)
        )""",
        [date_param(start), date_param(end)],
        {"volunteers": "COUNT(*)"},
        levels=levels,
    )
    rows = []
    for key in grid(groups_of(*dimensions), levels):
        a, c = assets.get(key, {}), connections.get(key, {})
        citizen_active = int(a.get("citizen_active") or 0)
        sector_active = int(a.get("sector_active") or 0)
        made = int(c.get("connections") or 0)
        to_citizen = int(c.get("to_citizen") or 0)
        is_total = key[2:] == TOTAL
        rows.append(
            SnapshotRow(
                *key,
                {
                    "citizen_led_active": citizen_active,
                    "sector_led_active": sector_active,
                    "citizen_led_share": share(citizen_active, citizen_active + sector_active),
                    "citizen_led_formed": int(a.get("formed") or 0),
                    "connections": made,
                    "connections_to_citizen_led": to_citizen,
                    "connections_citizen_share": share(to_citizen, made),
                    # A volunteer has no asset category: the figure is deployment-wide.
                    "volunteers_from_referred": (
                        int(volunteers.get(key, {}).get("volunteers") or 0) if is_total else None
                    ),
                },
            )
        )
    return rows


def _assets(start: dt.date, end: dt.date, dimensions: Sequence[str], levels: Sequence[str]) -> dict:
    return grouped(
        f"""cohort AS (
            SELECT category, led_by,
                CASE WHEN (started_on IS NULL OR started_on <= %s)
                      AND (ended_on IS NULL OR ended_on > %s) THEN 1 ELSE 0 END AS active,
                CASE WHEN started_on BETWEEN %s AND %s THEN 1 ELSE 0 END AS formed
            FROM {T["asset"]}
        )""",
        [date_param(end), date_param(end), date_param(start), date_param(end)],
        {
            "citizen_active": "SUM(CASE WHEN led_by = 'citizen' THEN active ELSE 0 END)",
            "sector_active": "SUM(CASE WHEN led_by <> 'citizen' THEN active ELSE 0 END)",
            "formed": "SUM(CASE WHEN led_by = 'citizen' THEN formed ELSE 0 END)",
        },
        dimensions=dimensions,
        levels=levels,
    )


# --- connections ----------------------------------------------------------------------------


def connections(
    *, start: dt.date, end: dt.date, window: int, dimensions: Sequence[str], levels: Sequence[str]
) -> list[SnapshotRow]:
    pa_sql, pa_params = person_attributes(end)
    found = grouped(
        f"""pa AS ({pa_sql}),
        cohort AS MATERIALIZED (
            SELECT pa.practice_code, pa.pcn_code, c.kind, c.outcome
            FROM {T["connection"]} c JOIN pa ON pa.person_id = c.person_id
            WHERE c.made_on BETWEEN %s AND %s
        )""",
        [*pa_params, date_param(start), date_param(end)],
        {"connections": "COUNT(*)"},
        dimensions=dimensions,
        levels=levels,
    )
    return rows_from(
        grid(groups_of(*dimensions), levels),
        found,
        lambda _key, agg: {"connections": int(agg.get("connections") or 0)},
    )


# --- service --------------------------------------------------------------------------------


def _status_on(end: dt.date) -> tuple[str, list[Any]]:
    """SQL for a referral's status at the end of ``end`` (alias ``r``).

    A referral that is ended now with ``closed_on`` on or before ``end`` was ended on ``end``,
    whatever its history says: an import may have recorded the ending when the file was
    loaded, long after it happened. Otherwise, from its history: the last change made by then;
    else, if it changed only later, the status it changed from; else (no history) its current
    status, read as still open on ``end`` when it was closed after ``end``."""
    end_of_day = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    open_list = sql_in(OPEN_STATUSES)
    sql = f"""CASE WHEN r.status NOT IN {open_list} AND r.closed_on <= %s THEN r.status
    ELSE COALESCE(
        (SELECT s.to_status FROM {T["status_change"]} s
         WHERE s.referral_id = r.id AND s.at < %s ORDER BY s.at DESC, s.id DESC LIMIT 1),
        (SELECT CASE WHEN s.from_status = '' THEN 'received' ELSE s.from_status END
         FROM {T["status_change"]} s
         WHERE s.referral_id = r.id AND s.at >= %s ORDER BY s.at, s.id LIMIT 1),
        CASE WHEN r.status NOT IN {open_list} AND r.closed_on > %s THEN 'active'
             ELSE r.status END
    ) END"""
    return sql, [
        date_param(end),
        datetime_param(end_of_day),
        datetime_param(end_of_day),
        date_param(end),
    ]


def service(
    *, start: dt.date, end: dt.date, window: int, dimensions: Sequence[str], levels: Sequence[str]
) -> list[SnapshotRow]:
    pa_sql, pa_params = person_attributes(end)
    status_sql, status_params = _status_on(end)
    received = f"""pa AS ({pa_sql}),
        cohort AS MATERIALIZED (
            SELECT pa.practice_code, pa.pcn_code, r.source,
                (SELECT MIN(c.held_on) FROM {T["conversation"]} c
                 WHERE c.person_id = r.person_id AND c.held_on >= r.received_on) AS first_on,
                r.received_on
            FROM {T["referral"]} r JOIN pa ON pa.person_id = r.person_id
            WHERE r.received_on BETWEEN %s AND %s
        )"""
    received_params = [*pa_params, date_param(start), date_param(end)]
    dims = tuple(dimensions)
    counts = grouped(
        received, received_params, {"referrals": "COUNT(*)"}, dimensions=dims, levels=levels
    )
    medians = grouped_median(
        received,
        received_params,
        f"{day_number('first_on')} - {day_number('received_on')}",
        dimensions=dims,
        levels=levels,
    )
    open_cases = grouped(
        f"""pa AS ({pa_sql}),
        cohort AS MATERIALIZED (
            SELECT pa.practice_code, pa.pcn_code, r.source
            FROM {T["referral"]} r JOIN pa ON pa.person_id = r.person_id
            WHERE r.received_on <= %s AND {status_sql} IN {sql_in(OPEN_STATUSES)}
        )""",
        [*pa_params, date_param(end), *status_params],
        {"open_cases": "COUNT(*)"},
        dimensions=dims,
        levels=levels,
    )
    return [
        SnapshotRow(
            *key,
            {
                "referrals": int(counts.get(key, {}).get("referrals") or 0),
                "median_days_to_first_conversation": medians.get(key),
                "open_cases": int(open_cases.get(key, {}).get("open_cases") or 0),
            },
        )
        for key in grid(groups_of(*dimensions), levels)
    ]
