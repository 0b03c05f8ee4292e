"""Statuses of a monitoring-list entry and of a check finding, each an enum with one
transition table (新疆规程 第二十一条: 及时预警分析并反馈有关部门; 梅州 第二十–二十三条 核查)."""

from __future__ import annotations

from enum import StrEnum

from jiuzhu.domain.errors import Conflict, InputError
from jiuzhu.domain.workflow import step


class WatchStatus(StrEnum):
    """A person-year on watch: pushed to a department, its answer, closed."""

    NEW = "new"
    PUSHED = "pushed"
    FEEDBACK_RECEIVED = "feedback_received"
    RECOGNISED = "recognised"
    NOT_RECOGNISED = "not_recognised"
    CLOSED = "closed"


WATCH_ZH = {
    WatchStatus.NEW: "新预警",
    WatchStatus.PUSHED: "已推送",
    WatchStatus.FEEDBACK_RECEIVED: "已反馈",
    WatchStatus.RECOGNISED: "已认定",
    WatchStatus.NOT_RECOGNISED: "未认定",
    WatchStatus.CLOSED: "已关闭",
}

WATCH_TRANSITIONS: dict[WatchStatus, frozenset[WatchStatus]] = {
    WatchStatus.NEW: frozenset({WatchStatus.PUSHED, WatchStatus.CLOSED}),
    WatchStatus.PUSHED: frozenset(
        {WatchStatus.FEEDBACK_RECEIVED, WatchStatus.PUSHED, WatchStatus.CLOSED}
    ),
    WatchStatus.FEEDBACK_RECEIVED: frozenset({WatchStatus.RECOGNISED, WatchStatus.NOT_RECOGNISED}),
    WatchStatus.RECOGNISED: frozenset({WatchStatus.CLOSED}),
    WatchStatus.NOT_RECOGNISED: frozenset({WatchStatus.PUSHED, WatchStatus.CLOSED}),
    WatchStatus.CLOSED: frozenset(),
}


class FindingStatus(StrEnum):
    """A check finding: assigned, investigated, resolved one of three ways."""

    OPEN = "open"
    ASSIGNED = "assigned"
    INVESTIGATING = "investigating"
    CORRECTED = "corrected"
    CLAWED_BACK = "clawed_back"
    TRANSFERRED = "transferred"
    DISMISSED = "dismissed"


FINDING_ZH = {
    FindingStatus.OPEN: "待处理",
    FindingStatus.ASSIGNED: "已分派",
    FindingStatus.INVESTIGATING: "核查中",
    FindingStatus.CORRECTED: "已纠正",
    FindingStatus.CLAWED_BACK: "已追回",
    FindingStatus.TRANSFERRED: "已移交行政部门",
    FindingStatus.DISMISSED: "经核查无问题",
}

_RESOLUTIONS = frozenset(
    {
        FindingStatus.CORRECTED,
        FindingStatus.CLAWED_BACK,
        FindingStatus.TRANSFERRED,
        FindingStatus.DISMISSED,
    }
)
FINDING_TRANSITIONS: dict[FindingStatus, frozenset[FindingStatus]] = {
    FindingStatus.OPEN: frozenset({FindingStatus.ASSIGNED}),
    FindingStatus.ASSIGNED: frozenset({FindingStatus.ASSIGNED, FindingStatus.INVESTIGATING}),
    FindingStatus.INVESTIGATING: _RESOLUTIONS,
    FindingStatus.CORRECTED: frozenset(),
    FindingStatus.CLAWED_BACK: frozenset(),
    FindingStatus.TRANSFERRED: frozenset(),
    FindingStatus.DISMISSED: frozenset(),
}
OPEN_FINDINGS = frozenset({FindingStatus.OPEN, FindingStatus.ASSIGNED, FindingStatus.INVESTIGATING})
OPEN_WATCH = frozenset(
    {WatchStatus.NEW, WatchStatus.PUSHED, WatchStatus.FEEDBACK_RECEIVED, WatchStatus.NOT_RECOGNISED}
)


def check_watch(current: str, target: WatchStatus) -> WatchStatus:
    """``target`` if the table allows it from ``current``; else a conflict naming both."""
    cur = WatchStatus(current)
    return step(
        WATCH_TRANSITIONS, WATCH_ZH, cur, target, what="预警", error=Conflict, field="status"
    )


def check_finding(current: str, target: FindingStatus) -> FindingStatus:
    cur = FindingStatus(current)
    return step(
        FINDING_TRANSITIONS,
        FINDING_ZH,
        cur,
        target,
        what="核查发现",
        error=Conflict,
        field="status",
    )


def watch_status(text: str) -> WatchStatus:
    """A status named by a caller; a bad name is an input error naming the choices."""
    try:
        return WatchStatus(text)
    except ValueError:
        raise InputError(
            f"unknown status {text!r}; one of {', '.join(WatchStatus)}", column="status"
        ) from None


def finding_status(text: str) -> FindingStatus:
    try:
        return FindingStatus(text)
    except ValueError:
        raise InputError(
            f"unknown status {text!r}; one of {', '.join(FindingStatus)}", column="status"
        ) from None
