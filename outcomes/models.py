"""Outcome data (registered populations, GP appointment extracts), import and metric runs,
and metric snapshots. Definitions: docs/metrics.md and docs/imports.md."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from socialrx.models import Practice


class PopulationCell(models.Model):
    """Registered population of one practice in one group (population.csv)."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="population_cells"
    )
    imd_quintile = models.CharField(max_length=7)  # "1".."5" or "unknown"
    age_band = models.CharField(max_length=7)
    sex = models.CharField(max_length=7)
    ethnicity = models.CharField(max_length=7)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["practice", "imd_quintile", "age_band", "sex", "ethnicity"],
                name="population_cell_unique",
            )
        ]


class AppointmentExtract(models.Model):
    """One practice's extract for one month: its presence means every registered patient
    without a row had 0 appointments that month."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="appointment_extracts"
    )
    month = models.DateField(help_text="First day of the month.")
    imported_at = models.DateTimeField(auto_now=True)
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["practice", "month"], name="appointment_extract_unique")
        ]


class PatientKey(models.Model):
    """A patient key (the keyed hash of an NHS number, ``socialrx.validators.patient_key``) as
    a small integer. Appointment rows name their patient by this id: an 8-byte integer instead
    of a 64-character text, so that the rows are half as wide and the metric jobs group and
    join integers (docs/performance.md). Made when an extract first names the key; never
    removed (the same key always has the same id)."""

    key = models.CharField(max_length=64, unique=True)


class AppointmentCount(models.Model):
    """Appointments of one patient (by patient key) at one practice in one month.

    The primary key is (practice, patient, month): the order a person's rows are read (the
    demand cohort's before and after, the comparison's age band and sex: one practice, one
    patient, a range of months), and the only index. An import inserts its rows in this order,
    so they go to a few practices' parts of the index. On PostgreSQL the table is partitioned
    by month (``outcomes.partitions``): an extract's replace touches one month's partition and
    a metric job reads only the months it needs."""

    pk = models.CompositePrimaryKey("practice_id", "patient_id", "month")
    # No foreign key constraints in the database: an import checks every row's practice and
    # makes its keys in the same statement that writes the rows, keys are never removed, and
    # Django deletes a practice's rows with the practice. Checking two constraints per row at
    # commit would cost more than the rest of writing an extract.
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    patient = models.ForeignKey(
        PatientKey,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    month = models.DateField()
    appointments = models.PositiveIntegerField()
    # Optional in the extract (docs/imports.md): the patient's age band and sex as the
    # practice records them that month, "" when the file does not say. The demand comparison
    # group is matched on them (docs/metrics.md). A database default, so that COPY and
    # INSERT … SELECT that leave them out still work.
    age_band = models.CharField(max_length=7, blank=True, db_default="")
    sex = models.CharField(max_length=7, blank=True, db_default="")


class RunQuerySet(models.QuerySet["Run"]):
    def stale(self, *, now: dt.datetime | None = None) -> RunQuerySet:
        """Runs whose job has stopped without saying so (a worker killed, a broker that lost
        the message): running with no heartbeat for longer than the lease, or queued for
        longer than ``RUN_QUEUED_SECONDS``. See ``Run.is_stale``."""
        running_cutoff, queued_cutoff = _stale_cutoffs(now)
        silent = Q(heartbeat_at__lt=running_cutoff) | Q(
            heartbeat_at__isnull=True, created_at__lt=running_cutoff
        )
        return self.filter(
            (Q(status=Run.Status.RUNNING) & silent)
            | Q(status=Run.Status.QUEUED, created_at__lt=queued_cutoff)
        )


def _stale_cutoffs(now: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    now = now or timezone.now()
    return (
        now - dt.timedelta(seconds=settings.RUN_LEASE_SECONDS),
        now - dt.timedelta(seconds=settings.RUN_QUEUED_SECONDS),
    )


class Run(models.Model):
    """Progress of a long job (an import or a metric computation), for the pages that start one.

    A running job holds a lease: it touches ``heartbeat_at`` every ``RUN_HEARTBEAT_SECONDS``,
    and a run whose heartbeat is older than ``RUN_LEASE_SECONDS`` is stale (its worker
    stopped), so it may be taken over or started again (docs/architecture.md, "Background
    jobs that stop half way")."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    kind = models.CharField(max_length=40, help_text="Import kind, or metric:<name>.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    params = models.JSONField(default=dict, blank=True)
    progress = models.PositiveIntegerField(default=0, help_text="Rows or steps done.")
    total = models.PositiveIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True, help_text="Summary or error report.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True, help_text="Last sign of life of the job running it."
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Times a worker has taken the job on."
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = RunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def is_stale(self, *, now: dt.datetime | None = None) -> bool:
        """The same test as ``Run.objects.stale()``, for a row already read."""
        running_cutoff, queued_cutoff = _stale_cutoffs(now)
        if self.status == self.Status.RUNNING:
            return (self.heartbeat_at or self.created_at) < running_cutoff
        if self.status == self.Status.QUEUED:
            return self.created_at < queued_cutoff
        return False

    @property
    def stale(self) -> bool:
        """For templates: the job stopped without finishing."""
        return self.is_stale()


class MetricSnapshot(models.Model):
    """One row of a metric for one period (the metrics API's row shape, docs/metrics.md). Exact values are kept;
    suppression is applied when shown."""

    metric = models.CharField(max_length=20)
    start = models.DateField()
    end = models.DateField()
    window = models.PositiveSmallIntegerField(
        default=0, help_text="Months (demand only; 0 elsewhere)."
    )
    level = models.CharField(max_length=10)  # all | pcn | practice
    code = models.CharField(max_length=20, blank=True)  # "" for level all
    dimension = models.CharField(max_length=20)
    group = models.CharField(max_length=40)
    values = models.JSONField()
    computed_at = models.DateTimeField()
    # The practice whose ODS code a row's code is (practice rows): a join for reading the
    # practice's PCN with the rows, not a column and not a constraint.
    practice = models.ForeignObject(
        "socialrx.Practice",
        on_delete=models.DO_NOTHING,
        from_fields=["code"],
        to_fields=["ods_code"],
        null=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "start", "end", "window", "level", "code", "dimension", "group"],
                name="metric_snapshot_unique",
            )
        ]
        indexes = [models.Index(fields=["metric", "start", "end", "level", "code"])]
