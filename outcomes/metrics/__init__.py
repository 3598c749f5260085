"""The metric computations of METRICS.md, one module per metric, all set-based SQL.

Each ``compute(*, start, end, window)`` returns the snapshot rows for one period as
:class:`~outcomes.metrics.sql.SnapshotRow` tuples; ``outcomes.services.metrics`` stores them.
"""
