"""No full ID number in any log line (issue 8 item 4), access logs included.

A filter on the service's loggers and on every handler they write through rewrites each
record's message and arguments with :func:`jiuzhu.domain.pii.scrub_certnos`, so an ID
number that reaches a log (a URL someone typed, an exception message) is masked
exactly as in every other output. Searches by ID number go through POST bodies anyway.
"""

from __future__ import annotations

import logging
from typing import Any

from jiuzhu.domain.pii import scrub_certnos

LOGGERS = ("", "uvicorn", "uvicorn.access", "uvicorn.error", "jiuzhu", "fastapi", "sqlalchemy")


def _scrub(v: Any) -> Any:
    return scrub_certnos(v) if isinstance(v, str) else v


class ScrubCertnos(logging.Filter):
    """Masks ID numbers in a record's message and arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = scrub_certnos(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_scrub(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _scrub(v) for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub_certnos(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = scrub_certnos(record.exc_text)
        return True


_FILTER = ScrubCertnos()


def install_log_scrub() -> None:
    """Attach the filter to the service's loggers and all their handlers (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for h in logger.handlers:
            if _FILTER not in h.filters:
                h.addFilter(_FILTER)
