"""Reads from a PostgreSQL replica for the pages that only read (docs/performance.md, "Past
one machine").

With ``DATABASE_REPLICA_URL`` set, the settings add a ``replica`` database. Nothing goes there
by default: a view opts in with ``@reads_from_replica`` (the outcome dashboards, their
downloads and the outcomes API), and only its reads inside that view go to the replica, and
only when all of these hold:

- the request is a GET or HEAD, and the user has not just asked for a computation or seen one
  finish (``pin_to_primary``: their next pages read the primary for as long as the replica may
  lag);
- no transaction is open on the primary (a read inside a transaction that writes sees that
  transaction's own rows), and the view has written nothing yet;
- the model is not one that must be current: job progress (``outcomes.Run``), sessions, sign-in
  tokens, lockouts and second factors always come from the primary; an object's related rows
  come from the database the object came from;
- the replica answers and is no more than ``DATABASE_REPLICA_MAX_LAG_SECONDS`` behind (checked
  at most every ``DATABASE_REPLICA_CHECK_SECONDS`` per process); otherwise the primary serves.

Writes always go to the primary. Celery tasks, management commands and every other view never
read the replica."""

from __future__ import annotations

import contextvars
import functools
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

REPLICA = "replica"
log = logging.getLogger(__name__)

# Models read from the primary even in a view that reads the replica: what must be current
# (job progress, polled while it changes) or what signing in reads and writes.
PRIMARY_APPS = frozenset(
    {"sessions", "authtoken", "axes", "otp_totp", "otp_static", "django_otp", "admin"}
)
PRIMARY_MODELS = frozenset({("outcomes", "run")})
# The session key holding the time (epoch seconds) until which the user's reads stay on the
# primary.
PIN_SESSION_KEY = "reads_primary_until"

_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "socialrx_use_replica", default=False
)
# Per process: (checked at, usable) of the last look at the replica.
_health: dict[str, tuple[float, bool]] = {}


def replica_configured() -> bool:
    return bool(getattr(settings, "DATABASE_REPLICA_READS", False)) and REPLICA in connections


def lag_seconds() -> float:
    """How far the replica is behind the primary, in seconds: 0 when it has replayed all it has
    received (an idle primary sends nothing, so the time of the last replayed transaction says
    nothing then), and 0 for a database that is not a standby."""
    replica = connections[REPLICA]
    if replica.vendor != "postgresql":
        return 0.0
    with replica.cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
            " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
            " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)"
            " END"
        )
        return float(cursor.fetchone()[0])


def replica_usable() -> bool:
    """The replica answers and is close enough behind; remembered for
    ``DATABASE_REPLICA_CHECK_SECONDS``."""
    now = time.monotonic()
    checked = _health.get(REPLICA)
    if checked is not None and now - checked[0] < settings.DATABASE_REPLICA_CHECK_SECONDS:
        return checked[1]
    try:
        lag = lag_seconds()
        usable = lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS
        if not usable:
            log.warning("replica_lagging", extra={"lag_seconds": round(lag, 1)})
    except DatabaseError:
        log.warning("replica_unavailable")
        connections[REPLICA].close()
        usable = False
    _health[REPLICA] = (now, usable)
    return usable


def replica_health_forget() -> None:
    """Look at the replica afresh on the next request (tests)."""
    _health.clear()


@contextmanager
def replica_reads() -> Iterator[bool]:
    """Within: reads go to the replica when it is configured and usable (yields whether)."""
    use = replica_configured() and replica_usable()
    token = _use_replica.set(use)
    try:
        yield use
    finally:
        _use_replica.reset(token)


@contextmanager
def primary_reads() -> Iterator[None]:
    """Within: every read goes to the primary, even inside a view that reads the replica."""
    token = _use_replica.set(False)
    try:
        yield
    finally:
        _use_replica.reset(token)


def pin_seconds() -> float:
    """How long after a change a user's reads stay on the primary: as long as the replica may
    be behind while it is still used."""
    return float(
        settings.DATABASE_REPLICA_MAX_LAG_SECONDS + settings.DATABASE_REPLICA_CHECK_SECONDS
    )


def pin_to_primary(request: Any) -> None:
    """The user has just changed something (or seen a job finish) that the next pages show:
    read the primary for them until the replica has certainly caught up."""
    if replica_configured() and hasattr(request, "session"):
        request.session[PIN_SESSION_KEY] = time.time() + pin_seconds()


def _pinned(request: Any) -> bool:
    session = getattr(request, "session", None)
    until = session.get(PIN_SESSION_KEY) if session is not None else None
    return isinstance(until, int | float) and until > time.time()


def reads_from_replica(view: Callable[..., Any]) -> Callable[..., Any]:
    """A view whose reads may come from the replica (on a DRF handler method, through
    ``method_decorator``). Put it next to the function, under the access decorators, so that
    the session and the user are loaded from the primary before it."""

    @functools.wraps(view)
    def wrapped(request: Any, *args: Any, **kwargs: Any) -> Any:
        if request.method not in ("GET", "HEAD") or not replica_configured() or _pinned(request):
            return view(request, *args, **kwargs)
        with replica_reads():
            return view(request, *args, **kwargs)

    return wrapped


class ReplicaRouter:
    """Reads to ``replica`` only inside ``replica_reads`` (see the module's docstring); writes
    and migrations to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        instance = hints.get("instance")
        if instance is not None and instance._state.db:
            return str(instance._state.db)
        if not _use_replica.get():
            return DEFAULT_DB_ALIAS
        meta = model._meta  # type: ignore[attr-defined]
        if meta.app_label in PRIMARY_APPS or (meta.app_label, meta.model_name) in PRIMARY_MODELS:
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: type, **hints: Any) -> str:
        # A view that writes reads what follows from the primary, which has its write.
        if _use_replica.get():
            _use_replica.set(False)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        # The replica holds the same rows as the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # A replica takes its schema from the primary, never from ``migrate``.
        if db == REPLICA:
            return False
        return None
