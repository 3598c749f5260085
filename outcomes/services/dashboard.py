"""What the commissioner dashboards show for each metric (titles, caveats, headline figures,
labels), and the one write the dashboards make: starting a recomputation.

Definitions of the numbers themselves: METRICS.md; how they are computed: ``metrics.py``."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from assets.models import Category
from outcomes.models import Run

DEMAND_DEFAULT_WINDOW = 6

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class MetricInfo:
    name: str
    title: str
    question: str
    caveat: str
    headline: str  # the value shown big on the overview
    cohort: tuple[str, ...]  # the count(s) that say how many the headline is about
    values: dict[str, str]  # value name -> label, in the order tables show them
    dimensions: tuple[str, ...]  # breakdowns besides "total", in METRICS.md order
    levels: tuple[str, ...] = ("all", "pcn", "practice")
    default_dimension: str = "total"
    chart_total: tuple[str, ...] = ()  # values charted side by side for the overall row
    chart_group: str = ""  # value charted per group of a breakdown
    uses_window: bool = False
    notice: str = ""  # a line every page about the metric must show (copyright)
    secondary: tuple[str, ...] = ()  # further figures the overview shows under the headline
    how: tuple[str, ...] = ()  # how the figures are worked out, in plain words (METRICS.md)


PEOPLE_DIMENSIONS = ("imd_quintile", "age_band", "sex", "ethnicity")

_CHANGE_VALUES = (
    ("n", "People in the cohort"),
    ("mean_baseline", "Mean at baseline"),
    ("mean_followup", "Mean at follow-up"),
    ("mean_change", "Mean change (follow-up − baseline)"),
    ("pct_increased", "% increased"),
    ("pct_no_change", "% no change"),
    ("pct_decreased", "% decreased"),
)

SWEMWBS_COPYRIGHT = (
    "SWEMWBS © NHS Health Scotland, University of Warwick and University of Edinburgh, "
    "used under registration with its owners."
)

METRICS: dict[str, MetricInfo] = {
    m.name: m
    for m in [
        MetricInfo(
            name="friends",
            title="Increase in numbers of friends",
            question="Do people have more friends they could call on after support?",
            caveat="Self-reported; not a count of contacts in any app.",
            headline="mean_change",
            cohort=("n",),
            values={
                "n": "People in the cohort",
                "mean_baseline": "Mean friends at baseline",
                "mean_followup": "Mean friends at follow-up",
                "mean_change": "Mean change in friends (follow-up − baseline)",
                "pct_increased": "% with more friends",
                "pct_no_change": "% with the same number",
                "pct_decreased": "% with fewer friends",
            },
            dimensions=PEOPLE_DIMENSIONS,
            chart_total=("pct_increased", "pct_no_change", "pct_decreased"),
            chart_group="mean_change",
            secondary=("pct_increased",),
            how=(
                "In a “what matters to you” conversation, people are asked how many friends "
                "they could call on. Their first answer is the baseline.",
                "The cohort is everyone with a later answer in the period, at least 8 weeks "
                "after the baseline; their latest such answer is the follow-up.",
            ),
        ),
        MetricInfo(
            name="citizen_led",
            title="Citizen-led, not sector-led, support",
            question="Is support run by local people growing beside sector-led services?",
            caveat=(
                "Counts the community directory, which is kept by people: a group missing "
                "from the directory is missing here."
            ),
            headline="citizen_led_share",
            cohort=("citizen_led_active", "sector_led_active"),
            values={
                "citizen_led_active": "Citizen-led groups active at the end of the period",
                "sector_led_active": "Sector-led groups active at the end of the period",
                "citizen_led_share": "% of active groups that are citizen-led",
                "citizen_led_formed": "Citizen-led groups started in the period",
                "connections": "Connections made",
                "connections_to_citizen_led": "Connections to citizen-led groups",
                "connections_citizen_share": "% of connections to citizen-led groups",
                "volunteers_from_referred": "New volunteers who were once referred",
            },
            dimensions=("category",),
            levels=("all",),
            chart_total=("citizen_led_active", "sector_led_active"),
            chart_group="citizen_led_share",
            secondary=("citizen_led_formed", "connections_citizen_share"),
            how=(
                "A group is citizen-led when local people or volunteers run it with no paid "
                "staff; any other group is sector-led. Groups are counted as active on the last "
                "day of the period.",
                "Connections are those made in the period; new volunteers who were once "
                "referred are people whose volunteering started in the period after a referral.",
            ),
        ),
        MetricInfo(
            name="coverage",
            title="Coverage of the whole population, fairly distributed",
            question="Does the service reach people in proportion to need?",
            caveat=(
                "Reach is people with at least one conversation; population is the imported "
                "practice lists. Reach per 1,000 in small groups moves a lot by chance."
            ),
            headline="reach_per_1000",
            cohort=("reached", "population"),
            values={
                "population": "Registered population",
                "reached": "Registered people reached",
                "reach_per_1000": "Reached per 1,000 registered",
                "unregistered_reached": "People reached with no registered practice",
                "rate_ratio_q1_q5": "Rate ratio, most / least deprived quintile",
                "concentration_index": "Concentration index (below 0: more deprived reached more)",
            },
            dimensions=PEOPLE_DIMENSIONS,
            default_dimension="imd_quintile",
            chart_total=("reach_per_1000",),
            chart_group="reach_per_1000",
            secondary=("rate_ratio_q1_q5", "concentration_index"),
            how=(
                "Reached: registered people with at least one conversation in the period, per "
                "1,000 of the registered population in the same group.",
                "The rate ratio divides the reach of the most deprived fifth of areas (IMD "
                "quintile 1) by that of the least deprived (quintile 5): above 1 means the more "
                "deprived are reached more.",
                "The concentration index runs from −1 to 1: below 0, reach is concentrated among "
                "more deprived people, as proportionate universalism wants.",
            ),
        ),
        MetricInfo(
            name="demand",
            title="Demand on general practice",
            question="Do people use fewer GP appointments after a referral?",
            caveat=(
                "Capacity freed in general practice is often taken up by others; fewer "
                "appointments for a cohort do not prove fewer appointments overall."
            ),
            headline="mean_change",
            cohort=("n",),
            values={
                "n": "People in the cohort",
                "mean_pre": "Mean appointments before referral",
                "mean_post": "Mean appointments after referral",
                "mean_change": "Mean change (after − before)",
                "pct_reduced": "% with fewer appointments after",
                "list_size": "List size",
                "appointments": "Appointments in 12 months",
                "frequent_attenders": "Frequent attenders (top 3%)",
                "frequent_attender_share": "% of appointments used by frequent attenders",
                "frequent_attenders_referred_pct": "% of frequent attenders ever referred",
                "zero_attender_pct": "% of patients with no appointment in 12 months",
            },
            dimensions=PEOPLE_DIMENSIONS,
            chart_total=("mean_pre", "mean_post"),
            chart_group="mean_change",
            uses_window=True,
            secondary=("pct_reduced",),
            how=(
                "GP appointments in the months before a person's first referral are compared "
                "with the same number of months after it (the window; the referral month is left "
                "out).",
                "The cohort is people whose “after” months ended in the period and whose "
                "practice sent appointment extracts for every month compared.",
                "Per practice, over the last 12 months: the top 3% of patients by appointments "
                "(frequent attenders), their share of all appointments, and how many of them "
                "have been referred.",
            ),
        ),
        MetricInfo(
            name="connections",
            title="Connections made",
            question="How many connections to community support were made, and of what kind?",
            caveat=(
                "A leaflet and an accompanied introduction are both “a connection”; the split "
                "matters more than the total."
            ),
            headline="connections",
            cohort=("connections",),
            values={"connections": "Connections made"},
            dimensions=("kind", "outcome"),
            default_dimension="kind",
            chart_total=("connections",),
            chart_group="connections",
            how=(
                "Connections made in the period, by kind (a leaflet or contact details, a "
                "supported introduction, or going along together) and by what has become of "
                "them since.",
            ),
        ),
        MetricInfo(
            name="service",
            title="Demand on the link-worker service",
            question="How many referrals come in, from where, and how fast are people seen?",
            caveat=(
                "Describes the service's workload, not its outcomes; no figure is shown per "
                "link worker."
            ),
            headline="referrals",
            cohort=("referrals",),
            values={
                "referrals": "Referrals received",
                "median_days_to_first_conversation": "Median days to first conversation",
                "open_cases": "Open cases at the end of the period",
            },
            dimensions=("source",),
            default_dimension="source",
            chart_total=("referrals", "open_cases"),
            chart_group="referrals",
            secondary=("median_days_to_first_conversation", "open_cases"),
            how=(
                "Referrals received in the period, by where they came from; the median number "
                "of days from receiving a referral to the first conversation; and cases still "
                "open on the last day of the period.",
            ),
        ),
        MetricInfo(
            name="wellbeing",
            title="Mental wellbeing (SWEMWBS)",
            question="Does wellbeing improve after support?",
            caveat="Self-reported SWEMWBS metric scores (7–35); people who answered twice only.",
            headline="mean_change",
            cohort=("n",),
            values={
                "n": "People in the cohort",
                "mean_baseline": "Mean score at baseline",
                "mean_followup": "Mean score at follow-up",
                "mean_change": "Mean change in score (follow-up − baseline)",
                "pct_increased": "% with a higher score",
                "pct_no_change": "% with the same score",
                "pct_decreased": "% with a lower score",
            },
            dimensions=PEOPLE_DIMENSIONS,
            chart_total=("pct_increased", "pct_no_change", "pct_decreased"),
            chart_group="mean_change",
            notice=SWEMWBS_COPYRIGHT,
            secondary=("pct_increased",),
            how=(
                "The Short Warwick-Edinburgh Mental Wellbeing Scale: seven statements scored 1 "
                "to 5, summed and converted to a metric score from 7 to 35.",
                "Baseline, follow-up and cohort as for friends: the first score, and the latest "
                "score in the period at least 8 weeks later.",
            ),
        ),
    ]
}

# The four inquiry metrics come first on every page (DESIGN.md), then the rest.
INQUIRY_METRICS = ("friends", "citizen_led", "coverage", "demand")

DIMENSION_LABELS = {
    "total": "No breakdown (overall)",
    "imd_quintile": "Deprivation (IMD quintile)",
    "age_band": "Age band",
    "sex": "Sex",
    "ethnicity": "Ethnic group",
    "category": "Kind of activity",
    "kind": "Kind of connection",
    "outcome": "Latest outcome",
    "source": "Referral source",
}

GROUP_ORDER = {
    "total": ("all",),
    "imd_quintile": ("1", "2", "3", "4", "5", "unknown"),
    "age_band": (
        "0-17",
        "18-24",
        "25-34",
        "35-44",
        "45-54",
        "55-64",
        "65-74",
        "75-84",
        "85+",
        "unknown",
    ),
    "sex": ("female", "male", "other", "unknown"),
    "ethnicity": ("asian", "black", "mixed", "white", "other", "unknown"),
    "category": tuple(Category.values),
    "kind": ("signpost", "supported", "accompanied"),
    "outcome": ("pending", "attended", "continuing", "member", "did_not_attend"),
    "source": ("gp", "practice_staff", "self", "community", "other"),
}

_GROUP_LABELS: dict[str, dict[str, str]] = {
    "total": {"all": "All"},
    "imd_quintile": {
        "1": "1 (most deprived)",
        "5": "5 (least deprived)",
        "unknown": "Unknown",
    },
    "category": dict(Category.choices),
    "outcome": {"did_not_attend": "Did not attend"},
    "source": {"gp": "GP", "practice_staff": "Practice staff", "self": "Self-referral"},
}

LEVEL_LABELS = {"all": "Whole area", "pcn": "Primary care network", "practice": "Practice"}


def group_label(*, dimension: str, group: str) -> str:
    label = _GROUP_LABELS.get(dimension, {}).get(group)
    if label:
        return label
    return group if group[:1].isdigit() else group.replace("_", " ").capitalize()


def dimension_label(*, dimension: str) -> str:
    return DIMENSION_LABELS.get(dimension, dimension.replace("_", " ").capitalize())


def metrics_enabled() -> list[MetricInfo]:
    """Metrics in the order pages show them; wellbeing only where SWEMWBS is switched on."""
    order = [*INQUIRY_METRICS, *(m for m in METRICS if m not in INQUIRY_METRICS)]
    return [
        METRICS[m] for m in order if m != "wellbeing" or getattr(settings, "SWEMWBS_ENABLED", True)
    ]


def metric_info_get(*, metric: str) -> MetricInfo | None:
    return next((m for m in metrics_enabled() if m.name == metric), None)


def window_for(*, metric: str, window: int | None) -> int:
    """Snapshots keep ``window`` for demand only (0 elsewhere, see ``MetricSnapshot``)."""
    if metric != "demand":
        return 0
    return window or DEMAND_DEFAULT_WINDOW


def _enqueue(*, run_id: int, metric: str, start: dt.date, end: dt.date, window: int) -> None:
    # Imported here: the task module pulls in the computations, which pages never need.
    from outcomes.tasks import metric_compute_task

    try:
        # Snapshots key non-demand metrics with window 0; the computation wants a real window.
        metric_compute_task.delay(
            metric, start.isoformat(), end.isoformat(), window or DEMAND_DEFAULT_WINDOW, run_id
        )
    except Exception as error:
        # The broker is down (or, with tasks run in-process, the job failed and has already
        # marked its Run). Either way the page must not fail, and a Run never left queued.
        logger.exception("metric %s: could not run or queue the job", metric)
        Run.objects.filter(pk=run_id, status=Run.Status.QUEUED).update(
            status=Run.Status.FAILED,
            finished_at=timezone.now(),
            result={"error": f"Could not queue the job ({type(error).__name__})."},
        )


def metric_recompute_start(
    *, metric: str, start: dt.date, end: dt.date, window: int, by: Any
) -> Run:
    """Create a Run for recomputing one metric for one period and enqueue its job once the Run
    is committed. A run for the same period that is still queued or running is returned
    instead of starting a second one (a double click starts one job)."""
    params = {
        "metric": metric,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "window": window,
    }
    with transaction.atomic():
        active = (
            Run.objects.select_for_update()
            .filter(
                kind=f"metric:{metric}",
                params=params,
                status__in=[Run.Status.QUEUED, Run.Status.RUNNING],
            )
            .first()
        )
        if active is not None:
            return active
        run = Run.objects.create(kind=f"metric:{metric}", params=params, created_by=by)
        transaction.on_commit(
            lambda: _enqueue(run_id=run.pk, metric=metric, start=start, end=end, window=window)
        )
    return run
