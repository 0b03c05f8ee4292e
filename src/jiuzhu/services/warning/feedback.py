"""A department's feedback 反馈 on a push batch, through the department-list import.

双鸭山实施办法 第二十五条 (经民政、乡村振兴部门认定身份后，符合条件的及时纳入救助范围);
新疆规程 第二十一条; 宁医保发〔2023〕102号 第十九条 (back-pay of a late identity).

The file is the push file filled in (CSV or XLSX, the push's column codes): ``batch``,
``psn_no``, ``recognised`` (1/0, 是/否) and, for a recognised person, ``certno``,
``psn_name``, ``new_identity``, ``begndate`` (``enddate`` optional). Every row is checked
first; any bad row ends the import naming file, line and column, and nothing is
written. The recognised rows then go through :func:`import_identities` as the
department's change list (the same checks, merge rules, batch and audit as any list);
the entries move to feedback received → recognised / not recognised (audited), and the
person's settlements that now earn more are returned as back-pay offers
(``services/backpay.py``, which also covers a late identity of a higher class).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from jiuzhu.adapters.db.tables import Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.adapters.db.warning_tables import PushBatch, PushItem, WarningEntry
from jiuzhu.domain.errors import InputError
from jiuzhu.domain.warning_status import WatchStatus
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.identity_import import import_identities, read_table
from jiuzhu.services.warning.watch import move

YES = {"1": True, "是": True, "认定": True, "0": False, "否": False, "不认定": False}
LIST_FIELDS = ("psn_no", "certno", "psn_name", "new_identity", "begndate", "enddate")


@dataclass
class FeedbackResult:
    department: str
    batch_ids: list[int]
    recognised: list[str] = field(default_factory=list)
    not_recognised: list[str] = field(default_factory=list)
    identity_batch: int | None = None
    backpay_offers: list[dict[str, Any]] = field(default_factory=list)


def import_feedback(
    uow: UnitOfWork,
    name: str,
    data: bytes,
    department: str,
    policy: RegionPolicy,
    *,
    actor: str,
) -> FeedbackResult:
    header, rows = read_table(name, data)
    idx = {h.strip(): i for i, h in enumerate(header)}
    for col in ("batch", "psn_no", "recognised"):
        if col not in idx:
            raise InputError("missing column", file=name, line=1, column=col)
    with uow.read() as s:
        batches = {
            b.id: b for b in s.scalars(select(PushBatch).where(PushBatch.department == department))
        }
        members = {
            (bid, psn)
            for bid, psn in s.execute(
                select(PushItem.batch_id, WarningEntry.psn_no).join(
                    WarningEntry, WarningEntry.id == PushItem.entry_id
                )
            )
        }
    decided: dict[tuple[int, str], bool] = {}
    list_rows: list[tuple[int, list[str]]] = []

    def cell(cells: list[str], col: str) -> str:
        i = idx.get(col)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    for line, cells in rows:
        b = cell(cells, "batch")
        if not b.isdigit() or int(b) not in batches:
            raise InputError(
                f"no push batch {b!r} to {department}", file=name, line=line, column="batch"
            )
        psn = cell(cells, "psn_no")
        if (int(b), psn) not in members:
            raise InputError(
                f"{psn!r} was not pushed in batch {b}", file=name, line=line, column="psn_no"
            )
        r = cell(cells, "recognised")
        if r not in YES:
            raise InputError(
                "recognised must be 1 or 0 (是/否)", file=name, line=line, column="recognised"
            )
        decided[(int(b), psn)] = YES[r]
        if YES[r]:
            for col in ("certno", "psn_name", "new_identity", "begndate"):
                if not cell(cells, col):
                    raise InputError(
                        "needed for a recognised person", file=name, line=line, column=col
                    )
            list_rows.append((line, [cell(cells, c) for c in LIST_FIELDS]))
    res = FeedbackResult(department, sorted({b for b, _ in decided}))
    if list_rows:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["psn_no", "certno", "psn_name", "identity", "begndate", "enddate"])
        w.writerows(r for _, r in list_rows)
        imp = import_identities(
            uow, name, buf.getvalue().encode(), department, actor=actor, save_report=False
        )
        if imp.refused:
            e = imp.errors[0]
            where = list_rows[e.line - 2][0] if 2 <= e.line < len(list_rows) + 2 else e.line
            col = "new_identity" if e.column == "identity" else e.column
            raise InputError(e.message, file=name, line=where, column=col)
        res.identity_batch = imp.batch_id
    with uow.begin() as s:
        for (bid, psn), ok in decided.items():
            for entry in s.scalars(
                select(WarningEntry)
                .join(PushItem, PushItem.entry_id == WarningEntry.id)
                .where(PushItem.batch_id == bid, WarningEntry.psn_no == psn)
            ):
                if entry.status == WatchStatus.PUSHED:
                    move(s, entry, WatchStatus.FEEDBACK_RECEIVED, actor, f"反馈 {name}")
                if entry.status == WatchStatus.FEEDBACK_RECEIVED:
                    target = WatchStatus.RECOGNISED if ok else WatchStatus.NOT_RECOGNISED
                    move(s, entry, target, actor)
            (res.recognised if ok else res.not_recognised).append(psn)
        setl_ids = list(
            s.scalars(select(Settlement.setl_id).where(Settlement.psn_no.in_(res.recognised)))
        )
    if setl_ids:
        from jiuzhu.services import backpay

        res.backpay_offers = [vars(c) for c in backpay.candidates(uow, policy, setl_ids)]
    return res
