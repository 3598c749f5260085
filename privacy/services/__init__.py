"""Subject rights and retention: one module per concern. ``records`` finds every row that
holds a person; ``export``, ``erasure``, ``merge`` and ``retention`` act on them."""
