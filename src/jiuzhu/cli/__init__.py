"""The `jiuzhu` command line (Typer)."""
