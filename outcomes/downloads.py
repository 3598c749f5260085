"""Downloads that stand alone (docs/dashboards.md, "Downloads"): a metric's CSV carrying
what its figures are (metric, period, level, breakdown, when computed, the suppression rule
and the caveat) on every row; the board pack (an XLSX workbook: a cover sheet, then one sheet
per metric); and what the printable report shows. Figures are suppressed before they get
here, exactly as on the pages."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .metrics.definition import Metric
from .metrics.dimensions import LEVEL_LABELS, dimension_label
from .metrics.periods import period_label
from .metrics.registry import metrics_enabled, metrics_sharing
from .presentation import Table, table_and_chart
from .selectors import Period, metric_periods_list, overview_rows_list, period_latest
from .suppression import rows_present_cached
from .trends import side_by_side

SUPPRESSION_RULE = (
    "To protect privacy, any count from 1 to 7, and any mean, rate or percentage resting on "
    "1 to 7 people or things, is withheld and shown as *; further figures are withheld where "
    "they would let a withheld one be worked out by subtraction. Zero is shown. – means no "
    "value (an empty cohort)."
)
EXACT_RULE = (
    "Exact figures for an administrator: nothing is withheld. Numbers from 1 to 7 could "
    "identify someone; do not share this file beyond those allowed to see them."
)
INTERVALS_NOTE = (
    "95% confidence intervals: Wilson score intervals for percentages and rates, t intervals "
    "for means."
)

CSV_BEFORE = ["Metric", "Period start", "Period end", "Window (months)", "Level", "Code"]
CSV_BREAKDOWN = "Breakdown"
CSV_AFTER = ["Computed at", "Suppression rule", "Caveat"]


def suppression_rule(*, exact: bool) -> str:
    return EXACT_RULE if exact else SUPPRESSION_RULE


def _when(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z")


@dataclass(frozen=True)
class CsvContext:
    info: Metric
    start: dt.date
    end: dt.date
    window: int
    level: str
    code: str
    dimension: str
    computed_at: dt.datetime | None
    exact: bool


def metric_csv_rows(table: Table, ctx: CsvContext) -> list[list[str]]:
    """The page's table, each row carrying what it is: the metric, period, window, level,
    code and breakdown before the table's own columns, and when it was computed, the
    suppression rule and the caveat after them."""
    before = [
        ctx.info.title,
        ctx.start.isoformat(),
        ctx.end.isoformat(),
        str(ctx.window) if ctx.info.uses_window else "",
        LEVEL_LABELS.get(ctx.level, ctx.level),
        ctx.code,
        dimension_label(dimension=ctx.dimension),
    ]
    after = [_when(ctx.computed_at), suppression_rule(exact=ctx.exact), ctx.info.caveat]
    header, *rows = table.csv_rows()
    return [
        [*CSV_BEFORE, CSV_BREAKDOWN, *header, *CSV_AFTER],
        *([*before, *row, *after] for row in rows),
    ]


# --- the latest figures of every metric (board pack and printable report) ----------------


@dataclass
class MetricReport:
    info: Metric
    period: Period | None
    computed_at: dt.datetime | None = None
    total: Table | None = None
    chart: dict[str, Any] | None = None
    breakdowns: list[Table] = field(default_factory=list)
    sides: list[Any] = field(default_factory=list)  # trends.SideBySide per level

    @property
    def chart_id(self) -> str:
        return f"chart-data-{self.info.name}"

    @property
    def period_text(self) -> str:
        return period_label(self.period.start, self.period.end) if self.period else ""


def reports_build(*, exact: bool, today: dt.date, breakdowns: bool) -> list[MetricReport]:
    """Every shown metric's latest period (as on the overview): the whole area's table and
    chart, and with ``breakdowns`` its tables by each breakdown and its PCNs and practices
    side by side."""
    infos = metrics_enabled()
    periods = metric_periods_list()
    latest = {
        i.name: period_latest(
            periods=periods, metric=i.name, window=i.window_for(None), today=today
        )
        for i in infos
    }
    rows = overview_rows_list(periods=[p for p in latest.values() if p is not None])
    reports = []
    for info in infos:
        period = latest[info.name]
        report = MetricReport(info=info, period=period)
        reports.append(report)
        if period is None:
            continue
        wanted = {info.name, *metrics_sharing(metric=info.name)}
        mine = [
            r
            for r in rows
            if r["metric"] in wanted
            and (r["start"], r["end"], r["window"]) == (period.start, period.end, period.window)
        ]
        if not any(r["metric"] == info.name for r in mine):
            continue
        report.computed_at = max(r["computed_at"] for r in mine if r["metric"] == info.name)
        shown = [
            r
            for r in rows_present_cached(metric=info.name, rows=mine, exact=exact)
            if r["level"] == "all"
        ]
        where = f"whole area, {report.period_text}"
        report.total, report.chart = table_and_chart(
            info=info, rows=shown, dimension="total", where=where
        )
        if breakdowns:
            for dimension in info.dimensions:
                table, _chart = table_and_chart(
                    info=info, rows=shown, dimension=dimension, where=where
                )
                report.breakdowns.append(table)
            for level in info.levels:
                if level == "all":
                    continue
                side = side_by_side(
                    info=info,
                    value=info.headline,
                    level=level,
                    start=period.start,
                    end=period.end,
                    window=period.window,
                    exact=exact,
                )
                if side is not None:
                    report.sides.append(side)
    return reports


# --- the board pack ------------------------------------------------------------------------

_NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)


def _cell(text: str) -> Any:
    """A figure as a number the spreadsheet can work with; ``*``, ``–`` and intervals stay
    text."""
    if _NUMBER.match(text):
        plain = text.replace(",", "")
        return float(plain) if "." in plain else int(plain)
    return text


def _sheet_name(info: Metric, used: set[str]) -> str:
    # Sheet names: at most 31 characters, none of []:*?/\ .
    name = re.sub(r"[\[\]:*?/\\]", " ", info.title)[:31].strip()
    if name in used:
        name = info.name[:31]
    used.add(name)
    return name


def _write_table(ws: Worksheet, table: Table) -> None:
    ws.append([table.caption])
    ws.cell(row=ws.max_row, column=1).font = BOLD
    ws.append(table.headers)
    for cell in ws[ws.max_row]:
        cell.font = BOLD
    for row in table.rows:
        ws.append([_cell(c["text"]) if i else c["text"] for i, c in enumerate(row)])
    for reason in table.reasons:
        ws.append([reason])
    ws.append([])


def board_pack(*, reports: list[MetricReport], exact: bool, when: dt.datetime) -> bytes:
    """The board pack as XLSX bytes: a cover sheet (what it holds, each metric's period and
    when it was computed, the suppression rule, the caveats), then one sheet per metric."""
    book = Workbook()
    book.remove(book.worksheets[0])
    cover = book.create_sheet("Cover")
    cover.append(["Social prescribing outcomes: board pack"])
    cover["A1"].font = TITLE
    cover.append(["Made", _when(when)])
    cover.append(["Suppression rule", suppression_rule(exact=exact)])
    cover.append(["Confidence intervals", INTERVALS_NOTE])
    cover.append(["Ranking", "PCNs and practices are listed alphabetically, never ranked."])
    cover.append([])
    cover.append(["Metric", "Sheet", "Period", "Computed at", "Caveat"])
    for cell in cover[cover.max_row]:
        cell.font = BOLD
    used: set[str] = {"Cover"}
    for report in reports:
        info = report.info
        name = _sheet_name(info, used)
        cover.append(
            [
                info.title,
                name,
                report.period_text or "Not computed yet",
                _when(report.computed_at),
                info.caveat,
            ]
        )
        ws = book.create_sheet(name)
        ws.append([info.title])
        ws["A1"].font = TITLE
        ws.append(["Question", info.question])
        ws.append(["Period", report.period_text or "Not computed yet"])
        ws.append(["Computed at", _when(report.computed_at)])
        ws.append(["Caveat", info.caveat])
        ws.append(["Suppression rule", suppression_rule(exact=exact)])
        if info.notice:
            ws.append(["Notice", info.notice])
        ws.append([])
        if report.total is not None:
            _write_table(ws, report.total)
        for side in report.sides:
            ws.append([f"{side.label}, {report.period_text}, in alphabetical order"])
            ws.cell(row=ws.max_row, column=1).font = BOLD
            level = "Primary care network" if side.level == "pcn" else "Practice"
            ws.append([level, side.label, "95% confidence interval", side.cohort_label])
            for cell in ws[ws.max_row]:
                cell.font = BOLD
            for r in side.rows:
                ws.append([r.name, _cell(r.text), r.interval_text, _cell(r.cohort)])
            ws.append([])
        for table in report.breakdowns:
            _write_table(ws, table)
        ws.column_dimensions["A"].width = 48
        for col in range(2, 12):
            ws.column_dimensions[get_column_letter(col)].width = 18
    cover.column_dimensions["A"].width = 44
    for letter in "BCD":
        cover.column_dimensions[letter].width = 28
    cover.column_dimensions["E"].width = 80
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
