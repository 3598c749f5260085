"""Money for community groups: funding awards, link-worker posts, the places a group offers
and the monthly capacity snapshot of each listing (docs/funding.md). No table here holds a
person's data: connections are counted, never named."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Route(models.TextChoices):
    SP_CONTRACT = "sp_contract", "Social-prescribing contract"
    MICRO_GRANT = "micro_grant", "Micro-grant"
    CAPACITY_BUILDING = "capacity_building", "Capacity-building"
    START_UP = "start_up", "Start-up for a user-led group"


class FunderType(models.TextChoices):
    ICB = "icb", "Integrated care board (or former CCG)"
    COUNCIL = "council", "Council"
    UMBRELLA = "umbrella", "Umbrella or infrastructure body"
    CHARITY = "charity", "Charity or trust"
    OTHER = "other", "Other funder"


class Award(models.Model):
    """Money from a funder to a recipient organisation for a period. It funds the listings it
    names; an award naming no listing funds every listing of the recipient."""

    award_ref = models.CharField(max_length=64, unique=True, null=True, blank=True)
    funder = models.ForeignKey(
        "assets.Organisation", on_delete=models.PROTECT, related_name="awards_made"
    )
    funder_type = models.CharField(max_length=20, choices=FunderType.choices)
    recipient = models.ForeignKey(
        "assets.Organisation", on_delete=models.PROTECT, related_name="awards_received"
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    starts_on = models.DateField(db_index=True)
    ends_on = models.DateField(db_index=True)
    route = models.CharField(max_length=20, choices=Route.choices, db_index=True)
    competitive = models.BooleanField(default=False)
    purpose = models.CharField(max_length=500, blank=True)
    listings = models.ManyToManyField("assets.Asset", blank=True, related_name="awards")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="award_amount_not_negative", condition=models.Q(amount__gte=0)
            ),
            models.CheckConstraint(
                name="award_ends_on_or_after_start",
                condition=models.Q(ends_on__gte=models.F("starts_on")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_route_display()}: {self.funder} to {self.recipient}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


class CommissionerFunder(models.Model):
    """The funding body a commissioner acts for: the awards and posts they may record and
    change are those it funds. Set by an administrator."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="funding_body"
    )
    organisation = models.ForeignKey(
        "assets.Organisation", on_delete=models.CASCADE, related_name="commissioners"
    )

    class Meta:
        verbose_name = "commissioner's funding body"
        verbose_name_plural = "commissioners' funding bodies"

    def __str__(self) -> str:
        return f"{self.user} for {self.organisation}"


class PlacesOffered(models.Model):
    """How many new people a month a group says it can take, from a month on (until a later
    row). Kept by the group's keepers."""

    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="places")
    from_month = models.DateField(help_text="The first day of the month it applies from.")
    places = models.PositiveIntegerField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-from_month"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "from_month"], name="places_once_a_month"),
            models.CheckConstraint(
                name="places_from_first_of_month", condition=models.Q(from_month__day=1)
            ),
        ]


class CapacitySnapshot(models.Model):
    """One listing's month: the places it offered and what became of the connections made to
    it that month (docs/funding.md). Replaced whole by the nightly job."""

    asset = models.ForeignKey(
        "assets.Asset", on_delete=models.CASCADE, related_name="capacity_snapshots"
    )
    month = models.DateField(help_text="The first day of the month.")
    places_offered = models.PositiveIntegerField(null=True, blank=True)
    received = models.PositiveIntegerField(default=0)
    accepted = models.PositiveIntegerField(default=0)
    declined_full = models.PositiveIntegerField(default=0)
    declined_not_suitable = models.PositiveIntegerField(default=0)
    declined_too_complex = models.PositiveIntegerField(default=0)
    waiting = models.PositiveIntegerField(default=0)
    funded = models.PositiveIntegerField(default=0)
    unfunded = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["-month", "asset_id"]
        constraints = [
            models.UniqueConstraint(fields=["asset", "month"], name="capacity_once_a_month"),
            models.CheckConstraint(
                name="capacity_month_first_day", condition=models.Q(month__day=1)
            ),
        ]
        indexes = [models.Index(fields=["month"], name="capacity_month_idx")]

    @property
    def declined(self) -> int:
        return self.declined_full + self.declined_not_suitable + self.declined_too_complex


class LinkWorkerPost(models.Model):
    """A link-worker post of the service: where it is hosted, who pays for it, how much of a
    full-time post it is and how many registered patients it covers. It names no one."""

    title = models.CharField(max_length=120)
    host = models.ForeignKey(
        "assets.Organisation", on_delete=models.PROTECT, related_name="link_worker_posts"
    )
    funder = models.ForeignKey(
        "assets.Organisation", on_delete=models.PROTECT, related_name="link_worker_posts_funded"
    )
    fte = models.DecimalField("Full-time equivalent", max_digits=4, decimal_places=2)
    population_covered = models.PositiveIntegerField("Registered patients covered")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.CheckConstraint(
                name="post_fte_between_0_and_1",
                condition=models.Q(fte__gt=0, fte__lte=1),
            ),
            models.CheckConstraint(
                name="post_ends_after_start",
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
            ),
        ]

    def __str__(self) -> str:
        return self.title
