"""What the benchmarks share: the PostgreSQL they need, Django set up for timing, a stopwatch
and peak memory. Nothing here imports Django models, so it can be used before setup."""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path
from typing import Any


def postgres_config(url: str, *, why: str = "") -> dict[str, Any]:
    """The Django database settings for ``url``; stops unless it is PostgreSQL."""
    import environ

    config = environ.Env.db_url_config(url)
    if not config["ENGINE"].endswith("postgresql"):
        raise SystemExit(f"The benchmark needs PostgreSQL (DATABASE_URL=postgres://…){why}.")
    return config


def admin_connection(config: dict[str, Any]) -> Any:
    """An autocommit connection to the server's ``postgres`` database, for creating and
    dropping the benchmark's own database."""
    import psycopg

    return psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )


def django_setup() -> None:
    """Set Django up with the development settings and DEBUG off: DEBUG would keep every
    query in memory."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialrx.settings.dev")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux keeps ``ru_maxrss`` across exec (a child
    would report its parent's peak), so read the high-water mark of this address space."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Timer:
    """Prints ``label…`` and, when the block ends, the seconds it took."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.seconds = 0.0

    def __enter__(self) -> Timer:
        self.began = time.monotonic()
        print(f"  {self.label}…", end="", flush=True)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.monotonic() - self.began
        print(f" {self.seconds:.1f}s", flush=True)
