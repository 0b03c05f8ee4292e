"""The JSON the front ends show: the services' typed views formatted at the edge.

Services return views with amounts in integer fen and dates as dates; this package turns
them into the JSON the API answers and the CLI prints with ``--json`` (amounts in yuan
with two decimals, dates ISO 8601), so both give the same bytes from one place. Web pages
use the same forms where their templates show them. Nothing here reads or writes the
database itself: each use case is the service's, called and then formatted.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
V = TypeVar("V")
J = TypeVar("J")


def formatted(use_case: Callable[P, V], form: Callable[[V], J]) -> Callable[P, J]:
    """``use_case`` answering in the form ``form`` gives its view: the parameters are the
    use case's own, declared once, in the service."""

    @functools.wraps(use_case)
    def call(*args: P.args, **kwargs: P.kwargs) -> J:
        return form(use_case(*args, **kwargs))

    return call


def each(form: Callable[[V], J]) -> Callable[[Iterable[V]], list[J]]:
    """``form`` over a list of views."""
    return lambda views: [form(v) for v in views]


def counted(form: Callable[[V], J]) -> Callable[[tuple[int, Iterable[V]]], tuple[int, list[J]]]:
    """``form`` over a page of views with its total: ``(total, views)``."""
    return lambda page: (page[0], [form(v) for v in page[1]])
