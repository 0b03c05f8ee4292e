"""Printable documents of manual reimbursement, as PDF with Chinese text.

受理回执 (receipt) and 一次性告知书 (one-time notice): 宁医保发〔2023〕102号 第二十一条;
审批决定书 (decision): 第二十条、第二十三条. ReportLab's built-in CJK font ``STSong-Light``
(UnicodeCIDFont) needs no font files; personal data appears masked only.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from jiuzhu.policy.money import format_fen
from jiuzhu.services.reimbursement.views import DocumentView

FONT = "STSong-Light"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    f = _font()
    return {
        "agency": ParagraphStyle(
            "agency", fontName=f, fontSize=11, alignment=TA_CENTER, leading=16
        ),
        "title": ParagraphStyle(
            "title", fontName=f, fontSize=20, alignment=TA_CENTER, leading=28, spaceAfter=2
        ),
        "no": ParagraphStyle("no", fontName=f, fontSize=10.5, alignment=TA_CENTER, leading=16),
        "body": ParagraphStyle("body", fontName=f, fontSize=11, leading=18, alignment=TA_LEFT),
        "cell": ParagraphStyle("cell", fontName=f, fontSize=10, leading=14),
        "small": ParagraphStyle(
            "small", fontName=f, fontSize=8.5, leading=12, textColor=colors.grey
        ),
        "h": ParagraphStyle("h", fontName=f, fontSize=12, leading=20, spaceBefore=6),
    }


def _esc(v: object) -> str:
    s = "" if v is None else str(v)
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _day(v: object) -> str:
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, dt.date):
        return f"{v.year}年{v.month}月{v.day}日"
    if isinstance(v, str) and len(v) >= 10:
        try:
            return _day(dt.date.fromisoformat(v[:10]))
        except ValueError:
            return v
    return _esc(v)


class Seal(Flowable):
    """The seal placeholder (盖章处): a dashed circle, the agency and the date beneath."""

    def __init__(self, agency: str, day: object) -> None:
        super().__init__()
        self.agency, self.day = agency, day
        self.width, self.height = 170 * mm, 46 * mm

    def draw(self) -> None:
        c = self.canv
        cx, cy, r = self.width - 38 * mm, self.height - 20 * mm, 17 * mm
        c.saveState()
        c.setStrokeColor(colors.HexColor("#b22222"))
        c.setDash(3, 2)
        c.setLineWidth(1.2)
        c.circle(cx, cy, r)
        c.setDash()
        c.setFillColor(colors.HexColor("#b22222"))
        c.setFont(_font(), 9)
        c.drawCentredString(cx, cy + 2, "（盖章处）")
        c.setFont(_font(), 7.5)
        c.drawCentredString(cx, cy - 9, "经办机构业务专用章")
        c.setFillColor(colors.black)
        c.setFont(_font(), 11)
        c.drawRightString(self.width - 8 * mm, 6 * mm, f"{self.agency}")
        c.drawRightString(self.width - 8 * mm, 0, _day(self.day))
        c.restoreState()


def _kv_table(rows: list[tuple[str, str]], st: dict[str, ParagraphStyle]) -> Table:
    data = []
    for i in range(0, len(rows), 2):
        pair = rows[i : i + 2]
        line: list[Any] = []
        for k, v in pair:
            line += [Paragraph(_esc(k), st["cell"]), Paragraph(_esc(v), st["cell"])]
        while len(line) < 4:
            line.append("")
        data.append(line)
    t = Table(data, colWidths=[26 * mm, 59 * mm, 26 * mm, 59 * mm])
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
                ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#f2f2f2")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return t


def _grid(
    header: list[str], rows: list[list[str]], widths: list[float], st: dict[str, ParagraphStyle]
) -> Table:
    data = [[Paragraph(_esc(h), st["cell"]) for h in header]]
    data += [[Paragraph(_esc(c), st["cell"]) for c in r] for r in rows]
    t = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    t.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return t


def _head(d: dict[str, Any], title: str, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    return [
        Paragraph(_esc(d["agency"]), st["agency"]),
        Paragraph(_esc(title), st["title"]),
        Paragraph(f"编号：{_esc(d['app_no'])}", st["no"]),
        Spacer(1, 5 * mm),
    ]


def _person_rows(d: dict[str, Any]) -> list[tuple[str, str]]:
    agent = d.get("agent")
    return [
        ("申请人", d["applicant_name"]),
        ("人员编号", d["psn_no"]),
        ("身份证号码", d["applicant_certno"] or "—"),
        ("受理日期", _day(d["received_on"])),
        ("代办人", f"{agent['name']}（{agent['relation'] or '代办'}）" if agent else "本人申请"),
        ("代办人身份证", agent["certno"] if agent else "—"),
        ("开户银行", d["bank_name"] or "—"),
        ("银行账号", d["account_no"] or "—"),
    ]


def _claims_table(d: dict[str, Any], st: dict[str, ParagraphStyle], paid: bool) -> Table:
    header = ["序号", "结算编号", "就医日期", "医疗类别", "政策范围内个人负担（元）"]
    widths = [12.0, 40.0, 48.0, 20.0, 50.0]
    if paid:
        header = header[:4] + ["个人负担（元）", "医疗救助（元）", "倾斜救助（元）"]
        widths = [12.0, 34.0, 44.0, 18.0, 22.0, 20.0, 20.0]
    rows = []
    for c in d["claims"]:
        r = [str(c["seq"]), c["setl_id"], f"{c['begndate']}至{c['enddate']}", c["med_type"]]
        r += (
            [c["base"]]
            if not paid
            else [c["base"], c["maf_pay"] or "0.00", c["tilt_pay"] or "0.00"]
        )
        rows.append(r)
    return _grid(header, rows, widths, st)


def _receipt(d: dict[str, Any], st: dict[str, ParagraphStyle]) -> list[Flowable]:
    out = _head(d, "医疗救助零星报销受理回执", st)
    out.append(_kv_table(_person_rows(d), st))
    out.append(Paragraph("一、已收到的申请材料", st["h"]))
    mats = d["materials_presented"] or ["（无）"]
    out += [Paragraph(f"{i}. {_esc(m)}", st["body"]) for i, m in enumerate(mats, 1)]
    out.append(Paragraph("二、申请报销的医疗费用", st["h"]))
    out.append(_claims_table(d, st, paid=False))
    out.append(Spacer(1, 3 * mm))
    out.append(
        Paragraph(
            f"经审核，您的申请材料完整有效，符合医疗救助政策范围，予以受理。本机构将按"
            f"{_esc('→'.join(d['levels']))}程序办理，于 <b>{_day(d['deadline'])}</b> 前"
            f"（自受理之日起 {d['deadline_days']} 个工作日内，受理当日不计入）核准医疗救助金额并发放到位。",
            st["body"],
        )
    )
    out.append(Paragraph(f"依据：{_esc(d['flow_ref'])}", st["small"]))
    out.append(
        Paragraph(
            f"受理人：{_esc(d['intake_by'])}　　请妥善保管本回执，凭编号查询办理进度。", st["body"]
        )
    )
    out.append(Spacer(1, 6 * mm))
    out.append(Seal(d["agency"], d["received_on"]))
    return out


def _notice(d: dict[str, Any], st: dict[str, ParagraphStyle]) -> list[Flowable]:
    out = _head(d, "医疗救助零星报销一次性告知书", st)
    out.append(_kv_table(_person_rows(d), st))
    out.append(Spacer(1, 3 * mm))
    out.append(
        Paragraph(
            f"您于{_day(d['received_on'])}提交的医疗救助零星报销申请，经审核存在以下问题，"
            f"现退回申请材料，并一次性告知如下（共 {len(d['problems'])} 项）：",
            st["body"],
        )
    )
    rows = [[str(i), p["message"], p.get("ref") or ""] for i, p in enumerate(d["problems"], 1)]
    out.append(_grid(["序号", "需补正或不予受理的原因", "依据"], rows, [12, 100, 58], st))
    if d["materials_required"]:
        out.append(Paragraph("附：本地区零星报销所需材料", st["h"]))
        for i, m in enumerate(d["materials_required"], 1):
            extra = "（代办时提供）" if m["when"] == "agent" else ""
            out.append(Paragraph(f"{i}. {_esc(m['name'])}{extra}", st["body"]))
    out.append(Spacer(1, 2 * mm))
    out.append(
        Paragraph(
            "请补齐上述材料、更正有关信息后重新申请。依据：宁医保发〔2023〕102号 第二十一条"
            "（资料不完整或不符合医疗救助政策范围的，退回资料并一次性告知原因）。",
            st["small"],
        )
    )
    out.append(Spacer(1, 6 * mm))
    out.append(Seal(d["agency"], d["received_on"]))
    return out


def _decision(d: dict[str, Any], st: dict[str, ParagraphStyle]) -> list[Flowable]:
    out = _head(d, "医疗救助零星报销审批决定书", st)
    out.append(_kv_table(_person_rows(d), st))
    approved = d["status"] in ("approved", "completed", "paid")
    out.append(Paragraph("一、审批结论", st["h"]))
    if approved:
        out.append(
            Paragraph(
                f"经{_esc('、'.join(d['levels']))}，核准医疗救助金额 <b>{_esc(d['approved_total'])}</b> 元"
                f"（其中医疗救助 {_esc(d['approved_maf'])} 元，倾斜救助 {_esc(d['approved_tilt'])} 元），"
                f"拨付至上列银行账户。",
                st["body"],
            )
        )
    else:
        out.append(Paragraph(f"不予核准。理由：{_esc(d['decision_reason'])}", st["body"]))
    out.append(Paragraph("二、费用明细", st["h"]))
    out.append(_claims_table(d, st, paid=approved))
    out.append(Paragraph("三、审核记录", st["h"]))
    rows = [
        [x["level_zh"], x["decision_zh"], x["reason"], x["actor_name"] or x["actor"], x["at"][:16]]
        for x in d["decisions"]
    ]
    out.append(_grid(["环节", "意见", "理由", "经办人", "时间"], rows, [18, 16, 70, 30, 36], st))
    out.append(Spacer(1, 2 * mm))
    out.append(
        Paragraph(
            f"依据：{_esc(d['flow_ref'])}。如对本决定有异议，可自收到之日起依法申请行政复议或提起行政诉讼。",
            st["small"],
        )
    )
    out.append(Spacer(1, 6 * mm))
    out.append(Seal(d["agency"], d["decided_at"]))
    return out


BUILDERS: dict[str, Callable[[dict[str, Any], dict[str, ParagraphStyle]], list[Flowable]]] = {
    "receipt": _receipt,
    "notice": _notice,
    "decision": _decision,
}


def _money(v: int | None) -> str | None:
    return None if v is None else format_fen(v)


def facts(doc: DocumentView) -> dict[str, Any]:
    """What the document prints, formatted: amounts in yuan, personal data as masked."""
    a = doc.application
    ag = a.agent
    return {
        "kind": doc.kind,
        "title": doc.title,
        "agency": doc.agency,
        "app_no": a.app_no,
        "status": a.status,
        "psn_no": a.psn_no,
        "applicant_name": a.applicant_name or "（名册无姓名）",
        "applicant_certno": a.applicant_certno,
        "agent": {"name": ag.name, "certno": ag.certno, "relation": ag.relation or ""}
        if ag
        else None,
        "bank_name": a.bank_name or "",
        "account_no": a.account_no,
        "received_on": a.received_on,
        "deadline": a.deadline,
        "deadline_days": a.deadline_working_days,
        "flow_ref": a.flow_ref or "",
        "levels": [lv.level_zh for lv in a.levels],
        "materials_required": [
            {"name": m.name, "ref": m.ref, "when": m.when} for m in doc.materials_required
        ],
        "materials_presented": list(doc.materials_presented),
        "problems": a.problems,
        "claims": [
            {
                "seq": c.seq,
                "setl_id": c.body.get("setl_id"),
                "med_type": c.body.get("med_type"),
                "begndate": c.body.get("begndate"),
                "enddate": c.body.get("enddate"),
                "base": format_fen(c.base),
                "maf_pay": _money(c.maf_pay),
                "tilt_pay": _money(c.tilt_pay),
            }
            for c in a.claims or ()
        ],  # fmt: skip
        "approved_maf": _money(a.approved_maf),
        "approved_tilt": _money(a.approved_tilt),
        "approved_total": _money(a.approved_total),
        "decisions": [
            {
                "level_zh": x.level_zh,
                "decision_zh": x.decision_zh,
                "reason": x.reason,
                "actor": x.actor,
                "actor_name": x.actor_name,
                "at": x.at.isoformat(sep=" "),
            }
            for x in a.decisions or ()
        ],  # fmt: skip
        "decided_at": a.decided_at,
        "decision_reason": a.decision_reason or "",
        "intake_by": a.intake_by,
    }


def render(document: DocumentView) -> bytes:
    """The document ``document.kind`` (receipt | notice | decision) as PDF bytes."""
    data = facts(document)
    st = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"{data['title']} {data['app_no']}",
        author=data["agency"],
    )

    def footer(c: Canvas, d: Any) -> None:
        c.saveState()
        c.setFont(_font(), 8)
        c.setFillColor(colors.grey)
        c.drawCentredString(A4[0] / 2, 10 * mm, f"{data['app_no']}　第 {d.page} 页　个人信息已脱敏")
        c.restoreState()

    doc.build(BUILDERS[data["kind"]](data, st), onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
