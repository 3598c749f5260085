"""Every metric, described once: how it is computed, the values it stores (their kind, label
and the counts each rests on for small-number suppression), its breakdowns and levels, and
what the dashboards say about it. Pages, CSV, the API, suppression, the jobs and the
``compute_metrics`` command all read a metric from here. Definitions: docs/metrics.md; what
the dashboards show and withhold: docs/dashboards.md."""

from __future__ import annotations

from django.conf import settings

from outcomes.metrics import activity, change, comparison, coverage
from outcomes.metrics.definition import (
    Count,
    Kind,
    Metric,
    PctOf,
    QuintileCounts,
    Value,
    sd_name,
    sd_of_n,
    value_of_n,
)
from outcomes.metrics.dimensions import PEOPLE_DIMENSIONS

_CHANGE_PCTS = ("pct_increased", "pct_no_change", "pct_decreased")


def _change_values(*labels: str) -> tuple[Value, ...]:
    """friends and wellbeing: the cohort n, then (with these labels) the means at baseline and
    follow-up, the mean change, and the shares who went up, stayed the same and went down."""
    names = ("mean_baseline", "mean_followup", "mean_change", *_CHANGE_PCTS)
    kinds: tuple[Kind, ...] = ("mean", "mean", "mean", "percent", "percent", "percent")
    return (
        Value("n", "People in the cohort", "count"),
        *(
            value_of_n(name, label, kind, sd=sd_name(name) if kind == "mean" else "")
            for name, label, kind in zip(names, labels, kinds, strict=True)
        ),
        *(sd_of_n(name) for name in names[:3]),
    )


_MEANINGFUL = ("pct_improved_meaningfully", "pct_declined_meaningfully")


def _ons4_values() -> tuple[Value, ...]:
    """ons4: the cohort n, then per question the means at baseline and follow-up and the mean
    change (each with its standard deviation, for its interval), and the share of the cohort
    in each ONS threshold band at baseline and at follow-up."""
    out: list[Value] = [Value("n", "People in the cohort", "count")]
    for question, (label, bands) in change.ONS4_QUESTIONS.items():
        for mean, what in (
            ("mean_baseline", "mean at baseline (0–10)"),
            ("mean_followup", "mean at follow-up (0–10)"),
            ("mean_change", "mean change (follow-up − baseline)"),
        ):
            name = change.ons4_name(question, mean)
            out.append(value_of_n(name, f"{label}: {what}", "mean", sd=sd_name(name)))
        for when, at in (("baseline", "at baseline"), ("followup", "at follow-up")):
            for band in bands:
                out.append(
                    value_of_n(
                        change.ons4_name(question, f"pct_{band.name}_{when}"),
                        f"{label}: % {band.label} {at}",
                        "percent",
                    )
                )
    for question in change.ONS4_QUESTIONS:
        for mean in ("mean_baseline", "mean_followup", "mean_change"):
            out.append(sd_of_n(change.ons4_name(question, mean)))
    return tuple(out)


def _ons4_bands(when: str) -> tuple[tuple[str, ...], ...]:
    """Each question's band shares at one time: they add up to 100 (complements)."""
    return tuple(
        tuple(change.ons4_name(q, f"pct_{b.name}_{when}") for b in bands)
        for q, (_label, bands) in change.ONS4_QUESTIONS.items()
    )


_ONS4_CHANGES = tuple(change.ons4_name(q, "mean_change") for q in change.ONS4_QUESTIONS)


SWEMWBS_COPYRIGHT = (
    "SWEMWBS © NHS Health Scotland, University of Warwick and University of Edinburgh, "
    "used under registration with its owners."
)

_METRICS = [
    Metric(
        name="friends",
        title="Increase in numbers of friends",
        question="Do people have more friends they could call on after support?",
        caveat="Self-reported; not a count of contacts in any app.",
        compute=change.friends,
        stored_values=_change_values(
            "Mean friends at baseline",
            "Mean friends at follow-up",
            "Mean change in friends (follow-up − baseline)",
            "% with more friends",
            "% with the same number",
            "% with fewer friends",
        ),
        headline="mean_change",
        cohort=("n",),
        dimensions=PEOPLE_DIMENSIONS,
        chart_total=_CHANGE_PCTS,
        chart_group="mean_change",
        secondary=("pct_increased",),
        complements=(_CHANGE_PCTS,),
        partitions=(("n", _CHANGE_PCTS),),
        how=(
            "In a “what matters to you” conversation, people are asked how many friends "
            "they could call on. Their first answer is the baseline.",
            "The cohort is everyone with a later answer in the period, at least 8 weeks "
            "after the baseline; their latest such answer is the follow-up.",
        ),
    ),
    Metric(
        name="wellbeing",
        title="Mental wellbeing (SWEMWBS)",
        question="Does wellbeing improve after support?",
        caveat="Self-reported SWEMWBS metric scores (7–35); people who answered twice only.",
        compute=change.wellbeing,
        stored_values=(
            *_change_values(
                "Mean score at baseline",
                "Mean score at follow-up",
                "Mean change in score (follow-up − baseline)",
                "% with a higher score",
                "% with the same score",
                "% with a lower score",
            ),
            value_of_n(
                "pct_improved_meaningfully",
                f"% whose score rose by at least {change.SWEMWBS_MEANINGFUL_CHANGE} points "
                "(a meaningful improvement)",
                "percent",
            ),
            value_of_n(
                "pct_declined_meaningfully",
                f"% whose score fell by at least {change.SWEMWBS_MEANINGFUL_CHANGE} points "
                "(a meaningful decline)",
                "percent",
            ),
        ),
        headline="mean_change",
        cohort=("n",),
        dimensions=PEOPLE_DIMENSIONS,
        chart_total=_CHANGE_PCTS,
        chart_group="mean_change",
        notice=SWEMWBS_COPYRIGHT,
        secondary=("pct_improved_meaningfully", "pct_increased"),
        complements=(_CHANGE_PCTS,),
        partitions=(("n", _CHANGE_PCTS), *(("n", (name,)) for name in _MEANINGFUL)),
        setting="SWEMWBS_ENABLED",
        how=(
            "The Short Warwick-Edinburgh Mental Wellbeing Scale: seven statements scored 1 "
            "to 5, summed and converted to a metric score from 7 to 35.",
            "Baseline, follow-up and cohort as for friends: the first score, and the latest "
            "score in the period at least 8 weeks later.",
            f"A change of at least {change.SWEMWBS_MEANINGFUL_CHANGE} points in the metric "
            "score counts as meaningful (the stricter end of the 1 to 3 points that Shah et "
            "al., 2018, found to matter for one person).",
        ),
    ),
    Metric(
        name="ons4",
        title="Personal wellbeing (ONS4)",
        question="Do people feel more satisfied, worthwhile and happy, and less anxious?",
        caveat=(
            "Self-reported answers from 0 to 10; people who answered twice only. For "
            "anxiety a lower answer is better."
        ),
        compute=change.ons4,
        stored_values=_ons4_values(),
        headline=change.ons4_name("life_satisfaction", "mean_change"),
        cohort=("n",),
        dimensions=PEOPLE_DIMENSIONS,
        chart_total=_ONS4_CHANGES,
        chart_group=change.ons4_name("life_satisfaction", "mean_change"),
        secondary=_ONS4_CHANGES[1:],
        complements=_ons4_bands("baseline") + _ons4_bands("followup"),
        partitions=tuple(("n", group) for group in _ons4_bands("baseline"))
        + tuple(("n", group) for group in _ons4_bands("followup")),
        how=(
            "The four ONS personal wellbeing questions (life satisfaction, worthwhile, "
            "happiness, anxiety), each answered from 0 to 10. Baseline, follow-up and cohort "
            "as for friends.",
            "Answers are grouped by the ONS thresholds: 0–4 low, 5–6 medium, 7–8 high and "
            "9–10 very high; for anxiety, where lower is better, 0–1 very low, 2–3 low, 4–5 "
            "medium and 6–10 high.",
        ),
    ),
    Metric(
        name="citizen_led",
        title="Citizen-led, not sector-led, support",
        question="Is support run by local people growing beside sector-led services?",
        caveat=(
            "Counts the community directory, which is kept by people: a group missing "
            "from the directory is missing here."
        ),
        compute=activity.citizen_led,
        stored_values=(
            Value(
                "citizen_led_active", "Citizen-led groups active at the end of the period", "count"
            ),
            Value(
                "sector_led_active", "Sector-led groups active at the end of the period", "count"
            ),
            Value(
                "citizen_led_share",
                "% of active groups that are citizen-led",
                "percent",
                (
                    Count(("citizen_led_active",)),
                    Count(("citizen_led_active", "sector_led_active")),
                ),
            ),
            Value("citizen_led_formed", "Citizen-led groups started in the period", "count"),
            Value("connections", "Connections made", "count"),
            Value("connections_to_citizen_led", "Connections to citizen-led groups", "count"),
            Value(
                "connections_citizen_share",
                "% of connections to citizen-led groups",
                "percent",
                (Count(("connections_to_citizen_led",)), Count(("connections",))),
            ),
            Value("volunteers_from_referred", "New volunteers who were once referred", "count"),
        ),
        headline="citizen_led_share",
        cohort=("citizen_led_active", "sector_led_active"),
        dimensions=("category",),
        levels=("all",),
        partitions=(("connections", ("connections_to_citizen_led",)),),
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
    Metric(
        name="coverage",
        title="Coverage of the whole population, fairly distributed",
        question="Does the service reach people in proportion to need?",
        caveat=(
            "Reach is people with at least one conversation; population is the imported "
            "practice lists. Reach per 1,000 in small groups moves a lot by chance."
        ),
        compute=coverage.compute,
        stored_values=(
            Value("population", "Registered population", "count"),
            Value("reached", "Registered people reached", "count"),
            Value(
                "reach_per_1000",
                "Reached per 1,000 registered",
                "rate",
                (Count(("reached",)), Count(("population",))),
            ),
            Value("unregistered_reached", "People reached with no registered practice", "count"),
            # A ratio of two quintiles' rates rests on both quintiles' numerators and
            # denominators.
            Value(
                "rate_ratio_q1_q5",
                "Rate ratio, most / least deprived quintile",
                "ratio",
                (QuintileCounts(("1", "5"), ("reached", "population")),),
            ),
            # The index weighs every quintile's rate by its population share: all five rest
            # on it.
            Value(
                "concentration_index",
                "Concentration index (below 0: more deprived reached more)",
                "index",
                (QuintileCounts(("1", "2", "3", "4", "5"), ("reached", "population")),),
            ),
        ),
        headline="reach_per_1000",
        cohort=("reached", "population"),
        dimensions=PEOPLE_DIMENSIONS,
        default_dimension="imd_quintile",
        partitions=(("population", ("reached",)),),
        chart_total=("reach_per_1000",),
        chart_group="reach_per_1000",
        secondary=("rate_ratio_q1_q5", "concentration_index"),
        gradient="reach_per_1000",
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
    Metric(
        name="demand",
        title="Demand on general practice",
        question="Do people use fewer GP appointments after a referral?",
        caveat=(
            "Capacity freed in general practice is often taken up by others; fewer "
            "appointments for a cohort do not prove fewer appointments overall. People "
            "are often referred when they are seeing their GP most, and many would have "
            "gone less afterwards anyway: compare the fall with the comparison group's. "
            "The comparison group is similar patients at the same practice who were not "
            "referred, matched only on what the appointment extracts hold (age band, sex "
            "and appointments before); it is not a trial, and referred people may differ "
            "in ways the extracts do not show."
        ),
        compute=comparison.demand_compute,
        stored_values=(
            Value("n", "People in the cohort", "count"),
            value_of_n("mean_pre", "Mean appointments before referral", "mean", sd="sd_pre"),
            value_of_n("mean_post", "Mean appointments after referral", "mean", sd="sd_post"),
            value_of_n("mean_change", "Mean change (after − before)", "mean", sd="sd_change"),
            value_of_n("pct_reduced", "% with fewer appointments after", "percent"),
            # The comparison group (docs/metrics.md, "Comparison group"): means and the
            # difference in differences rest on the number of referred people matched.
            Value("comparison_n", "Referred people matched to a comparison group", "count"),
            Value(
                "comparison_unmatched",
                "Referred people with appointments before but no comparison match",
                "count",
            ),
            *(
                Value(name, label, "mean", (Count(("comparison_n",)),))
                for name, label in (
                    ("referred_mean_pre", "Matched referred people: mean appointments before"),
                    ("referred_mean_post", "Matched referred people: mean appointments after"),
                    ("comparison_mean_pre", "Comparison group: mean appointments before"),
                    ("comparison_mean_post", "Comparison group: mean appointments after"),
                    (
                        "did",
                        "Difference in differences (change of referred − change of "
                        "comparison group)",
                    ),
                    ("did_ci_low", "Difference in differences: 95% confidence interval, lower"),
                    ("did_ci_high", "Difference in differences: 95% confidence interval, upper"),
                )
            ),
            # Attendance skew (per practice): patients and appointments are both counts.
            Value("list_size", "List size", "count"),
            Value("appointments", "Appointments in 12 months", "count"),
            Value("frequent_attenders", "Frequent attenders (top 3%)", "count"),
            Value(
                "frequent_attender_share",
                "% of appointments used by frequent attenders",
                "percent",
                (
                    PctOf("frequent_attender_share", "appointments"),
                    Count(("appointments",)),
                    Count(("frequent_attenders",)),
                ),
            ),
            Value(
                "frequent_attenders_referred_pct",
                "% of frequent attenders ever referred",
                "percent",
                (
                    PctOf("frequent_attenders_referred_pct", "frequent_attenders"),
                    Count(("frequent_attenders",)),
                ),
            ),
            Value(
                "zero_attender_pct",
                "% of patients with no appointment in 12 months",
                "percent",
                (PctOf("zero_attender_pct", "list_size"), Count(("list_size",))),
            ),
            *(sd_of_n(m) for m in ("mean_pre", "mean_post", "mean_change")),
        ),
        headline="mean_change",
        cohort=("n",),
        dimensions=PEOPLE_DIMENSIONS,
        chart_total=("mean_pre", "mean_post"),
        chart_group="mean_change",
        uses_window=True,
        partitions=(
            ("n", ("pct_reduced",)),
            ("n", ("comparison_n", "comparison_unmatched")),
            ("list_size", ("zero_attender_pct",)),
            ("appointments", ("frequent_attender_share",)),
            ("frequent_attenders", ("frequent_attenders_referred_pct",)),
        ),
        secondary=("pct_reduced",),
        how=(
            "GP appointments in the months before a person's first referral are compared "
            "with the same number of months after it (the window; the referral month is left "
            "out).",
            "The cohort is people whose “after” months ended in the period and whose "
            "practice sent appointment extracts for every month compared.",
            "Beside them, a comparison group: for each referred person who had "
            "appointments before, up to five patients of the same practice who were not "
            "referred, of the same age band and sex and with the same number of "
            "appointments before (20 or more counting as one group). The difference in "
            "differences is the referred people's change minus their comparison group's; "
            "below 0 means they went to their GP less than similar patients did. The "
            "interval is a 95% confidence interval.",
            "Per practice, over the last 12 months: the top 3% of patients by appointments "
            "(frequent attenders), their share of all appointments, and how many of them "
            "have been referred.",
        ),
    ),
    Metric(
        name="connections",
        title="Connections made",
        question="How many connections to community support were made, and of what kind?",
        caveat=(
            "A leaflet and an accompanied introduction are both “a connection”; the split "
            "matters more than the total."
        ),
        compute=activity.connections,
        stored_values=(Value("connections", "Connections made", "count"),),
        headline="connections",
        cohort=("connections",),
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
    Metric(
        name="service",
        title="Demand on the link-worker service",
        question="How many referrals come in, from where, and how fast are people seen?",
        caveat=(
            "Describes the service's workload, not its outcomes; no figure is shown per "
            "link worker."
        ),
        compute=activity.service,
        stored_values=(
            Value("referrals", "Referrals received", "count"),
            # The median is over the referrals that had a conversation. When the computation
            # stores that number (median_days_n) the median rests on it; otherwise on all
            # referrals received, the only count the row holds (see docs/dashboards.md).
            Value(
                "median_days_to_first_conversation",
                "Median days to first conversation",
                "median",
                (Count(("median_days_n",)),),
            ),
            Value(
                "median_days_n",
                "Referrals with a first conversation",
                "count",
                listed=False,
                fallback="referrals",
            ),
            Value("open_cases", "Open cases at the end of the period", "count"),
        ),
        headline="referrals",
        cohort=("referrals",),
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
]

# Counts two metrics both show for the same period (metric, value name), at the whole area
# with no breakdown: suppression treats them as one figure, so a number one metric withholds
# is not shown by the other.
SHARED_COUNTS: tuple[tuple[tuple[str, str], tuple[str, str]], ...] = (
    (("citizen_led", "connections"), ("connections", "connections")),
)

# In the order the jobs compute them.
METRICS: dict[str, Metric] = {m.name: m for m in _METRICS}
METRIC_NAMES: tuple[str, ...] = tuple(METRICS)

# The four inquiry metrics come first on every page (docs/dashboards.md), then the rest.
PAGE_ORDER = (
    "friends",
    "citizen_led",
    "coverage",
    "demand",
    "connections",
    "service",
    "wellbeing",
    "ons4",
)


def metric_get(*, metric: str) -> Metric:
    """The metric of that name; ValueError for any other name."""
    try:
        return METRICS[metric]
    except KeyError:
        raise ValueError(
            f"Unknown metric {metric!r}: expected one of {', '.join(METRIC_NAMES)}"
        ) from None


def metrics_sharing(*, metric: str) -> tuple[str, ...]:
    """The other metrics whose rows of the same period suppression must see with this one's
    (``SHARED_COUNTS``)."""
    return tuple(
        other
        for (a, _), (b, _) in SHARED_COUNTS
        for mine, other in ((a, b), (b, a))
        if mine == metric
    )


def metrics_enabled() -> list[Metric]:
    """Metrics in the order pages show them, leaving out any whose setting is switched off."""
    return [
        METRICS[m]
        for m in PAGE_ORDER
        if not METRICS[m].setting or getattr(settings, METRICS[m].setting, True)
    ]


def metric_shown(*, metric: str) -> Metric | None:
    """The metric of that name if pages and the API show it."""
    return next((m for m in metrics_enabled() if m.name == metric), None)


def window_for(*, metric: str, window: int | None) -> int:
    """The window a metric's snapshots are keyed by (see ``Metric.window_for``)."""
    return METRICS[metric].window_for(window) if metric in METRICS else 0
