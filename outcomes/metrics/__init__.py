"""The metrics (docs/metrics.md): ``registry`` describes each one, the other modules compute
them in set-based SQL.

Each computation, called as ``compute(*, start, end, window, dimensions, levels)``, returns
the snapshot rows for one period as :class:`~outcomes.metrics.sql.SnapshotRow` tuples;
``outcomes.services.metrics`` stores them.
"""
