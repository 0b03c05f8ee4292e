"""The left menu: each noun adds its items with the permissions that may see them.

``add_menu()`` is called at import time by a page module (``jiuzhu.web.pages.<noun>``).
A user sees an item only if :meth:`WebUser.can` one of its ``perms``; the URL behind it
checks the same permissions on the server (:func:`jiuzhu.web.security.need`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

GROUPS: dict[str, tuple[int, str]] = {
    "home": (0, "工作台"),
    "registry": (10, "救助对象"),
    "settlement": (20, "结算管理"),
    "reimbursement": (30, "零星报销"),
    "fund": (40, "基金财务"),
    "warning": (50, "预警与稽核"),
    "policy": (60, "政策与模拟"),
    "system": (90, "系统管理"),
}
"""Menu groups: (order, label). A noun whose group is missing here adds it with add_group."""


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str
    href: str
    perms: tuple[str, ...]
    group: str
    order: int = 100


MENU: dict[str, MenuItem] = {}


def add_group(key: str, label: str, order: int) -> None:
    GROUPS.setdefault(key, (order, label))


def add_menu(
    key: str, label: str, href: str, perms: tuple[str, ...], group: str, order: int = 100
) -> MenuItem:
    """Register a menu item (idempotent by key). ``perms=()`` means any signed-in user."""
    if group not in GROUPS:
        raise KeyError(f"menu group {group!r} unknown: call add_group first")
    item = MenuItem(key, label, href, tuple(perms), group, order)
    MENU[key] = item
    return item


def menu_for(user: Any) -> list[tuple[str, list[MenuItem]]]:
    """The groups and items this user may see, in order."""
    can = user.can
    groups: dict[str, list[MenuItem]] = {}
    for item in sorted(MENU.values(), key=lambda i: (GROUPS[i.group][0], i.order, i.key)):
        if can(*item.perms):
            groups.setdefault(item.group, []).append(item)
    return [(GROUPS[g][1], items) for g, items in groups.items()]


@dataclass(frozen=True)
class Widget:
    """A dashboard panel: ``template`` (rendered with ``data``) from ``load(request, user)``."""

    key: str
    title: str
    perms: tuple[str, ...]
    template: str
    load: Callable[[Any, Any], dict[str, Any]]
    order: int = 100


WIDGETS: dict[str, Widget] = {}


def add_widget(
    key: str,
    title: str,
    perms: tuple[str, ...],
    template: str,
    load: Callable[[Any, Any], dict[str, Any]],
    order: int = 100,
) -> Widget:
    """A noun's panel on the 工作台 (e.g. open warnings), shown to users with ``perms``."""
    w = Widget(key, title, tuple(perms), template, load, order)
    WIDGETS[key] = w
    return w
