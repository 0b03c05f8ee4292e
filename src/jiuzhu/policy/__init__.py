"""Pure policy layer: money, dated parameters, region policy files (no I/O frameworks)."""
