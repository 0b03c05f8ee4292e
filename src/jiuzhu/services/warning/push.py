"""Push batches 推送 to civil affairs (民政) and rural revitalisation (乡村振兴).

新疆规程 第二十一条 (及时预警分析并反馈有关部门); 双鸭山实施办法 第二十四条、第二十五条
(推送至民政、乡村振兴部门进行返贫致贫风险核实); 柳州任务清单 六（一）(加强部门间信息共享).

A batch is numbered, per department, and holds every open entry for that department
not yet pushed to it (new, or not recognised and pushed again on purpose). The file
carries full ID numbers and names, so it is only ever written inside an AES-256
encrypted ZIP (WinZip AES, opened by 7-Zip, WinRAR, Windows 11) whose password is
generated here and returned once: it is stored nowhere (only the file's SHA-256 is). The
push, its number of entries and the file's hash are in the audit trail; no ID number is.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass
from pathlib import Path

import pyzipper
from openpyxl import Workbook
from sqlalchemy import select

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.tables import Person
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.adapters.db.warning_tables import PushBatch, PushItem, WarningEntry
from jiuzhu.adapters.files import write_bytes_atomically
from jiuzhu.domain.errors import InputError
from jiuzhu.domain.warning_status import WatchStatus
from jiuzhu.policy.money import format_fen
from jiuzhu.policy.schema import DEPARTMENT_ZH, IDENTITY_CODES
from jiuzhu.services.warning.watch import move

COLUMNS = (
    ("batch", "推送批次"), ("seq", "序号"), ("psn_no", "人员编号"), ("certno", "身份证号码"),
    ("psn_name", "姓名"), ("year", "年度"), ("line", "预警线"), ("identity", "身份类别"),
    ("setl_id", "触发结算"), ("amount", "达到金额（元）"), ("threshold", "预警线（元）"),
    ("article", "依据"), ("recognised", "认定结果（1认定/0不认定，部门填写）"),
    ("begndate", "身份开始日期（部门填写）"), ("enddate", "身份结束日期（部门填写）"),
    ("new_identity", "认定身份类别（部门填写）"), ("note", "备注"),
)  # fmt: skip


@dataclass(frozen=True)
class PushResult:
    batch_id: int
    department: str
    entries: int
    path: Path
    password: str
    """Shown once; stored nowhere."""
    sha256: str


def push(
    uow: UnitOfWork, department: str, out_dir: Path, *, actor: str, fmt: str = "xlsx"
) -> PushResult:
    """Write the department's next batch (encrypted) and mark its entries pushed."""
    if department not in DEPARTMENT_ZH:
        raise InputError(
            f"unknown department {department!r}; one of {', '.join(DEPARTMENT_ZH)}",
            column="department",
        )
    if fmt not in ("xlsx", "csv"):
        raise InputError("format must be xlsx or csv", column="format")
    cipher = get_cipher()
    with uow.begin() as s:
        pushed = set(
            s.scalars(
                select(PushItem.entry_id).join(PushBatch).where(PushBatch.department == department)
            )
        )
        entries = [
            e
            for e in s.scalars(
                select(WarningEntry)
                .where(
                    WarningEntry.status.in_(
                        [WatchStatus.NEW.value, WatchStatus.NOT_RECOGNISED.value]
                    )
                )
                .order_by(WarningEntry.psn_no, WarningEntry.year, WarningEntry.line)
            )
            if department in e.departments
            and (e.id not in pushed or e.status == WatchStatus.NOT_RECOGNISED)
        ]
        if not entries:
            raise InputError(
                f"nothing to push to {department}: no open warning for it", column="department"
            )
        batch = PushBatch(
            department=department, actor=actor, entries=len(entries), file_name="", file_sha256=""
        )
        s.add(batch)
        s.flush()
        persons = {
            p.psn_no: p
            for p in s.scalars(select(Person).where(Person.psn_no.in_({e.psn_no for e in entries})))
        }
        rows = []
        for k, e in enumerate(entries, 1):
            p = persons.get(e.psn_no)
            rows.append([
                batch.id, k, e.psn_no,
                cipher.decrypt(p.certno_enc) if p and p.certno_enc else "",
                cipher.decrypt(p.name_enc) if p and p.name_enc else "",
                e.year, e.line, e.identity, e.setl_id, format_fen(e.amount), format_fen(e.threshold),
                e.ref, "", "", "", "", "",
            ])  # fmt: skip
        inner = f"push-{batch.id:06d}-{department}.{fmt}"
        content = _xlsx(rows) if fmt == "xlsx" else _csv(rows)
        password = secrets.token_urlsafe(18)
        blob = _encrypted_zip(inner, content, password)
        path = Path(out_dir) / f"push-{batch.id:06d}-{department}.zip"
        write_bytes_atomically(path, blob)
        batch.file_name = path.name
        batch.file_sha256 = hashlib.sha256(blob).hexdigest()
        for e in entries:
            s.add(PushItem(batch_id=batch.id, entry_id=e.id))
            move(
                s,
                e,
                WatchStatus.PUSHED,
                actor,
                f"推送批次 {batch.id}（{DEPARTMENT_ZH[department]}）",
            )
        audit(s, actor, "warning_push", "warning_push_batch", str(batch.id), None,
              {"department": department, "entries": len(entries), "file": path.name,
               "sha256": batch.file_sha256, "encryption": "zip AES-256, password shown once"})  # fmt: skip
        return PushResult(batch.id, department, len(entries), path, password, batch.file_sha256)


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "预警推送"
    ws.append([c for c, _ in COLUMNS])  # the codes head the columns, as the feedback reads them
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv(rows: list[list[object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c for c, _ in COLUMNS])
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _encrypted_zip(name: str, content: bytes, password: str) -> bytes:
    buf = io.BytesIO()
    with pyzipper.AESZipFile(
        buf, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES
    ) as z:
        z.setpassword(password.encode())
        z.setencryption(pyzipper.WZ_AES, nbits=256)
        z.writestr(name, content)
    return buf.getvalue()


def open_push_file(path: Path, password: str) -> tuple[str, bytes]:
    """The file inside a push archive (tests, and the feedback round trip)."""
    with pyzipper.AESZipFile(path) as z:
        z.setpassword(password.encode())
        name = z.namelist()[0]
        return name, z.read(name)


__all__ = ["COLUMNS", "IDENTITY_CODES", "PushResult", "push", "open_push_file"]
