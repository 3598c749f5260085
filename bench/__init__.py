"""Benchmarks at the scale of an integrated care system, run against PostgreSQL:
``python -m bench.metrics`` (imports and metric jobs) and ``python -m bench.directory``
(the directory search page). No app imports this package."""
