"""A simulation (政策测算) as XLSX: the budget effect, each breakdown, the movers."""

from __future__ import annotations

from pathlib import Path

from jiuzhu.policy.money import fen_to_decimal
from jiuzhu.reports.xlsx import Sheet, write_xlsx
from jiuzhu.services.simulate import Simulation

TITLES = {"class": "按救助类别", "county": "按县区", "month": "按月份", "visit_type": "按就诊类型"}
HEAD = ["人数", "结算笔数", "现行支付（元）", "测算支付（元）", "差额（元）"]


def write_simulation_xlsx(path: Path, s: Simulation) -> Path:
    notes = [f"政策测算 {s.region}：方案 {s.change}", "金额单位：元；差额 = 测算 − 现行"]
    budget = Sheet(
        "预算影响",
        ["项目", "金额（元）或数量"],
        [
            ["结算笔数", s.settlements],
            ["人数", s.persons],
            ["现行支付", fen_to_decimal(s.paid_now)],
            ["测算支付", fen_to_decimal(s.paid_change)],
            ["差额（预算影响）", fen_to_decimal(s.difference)],
            ["金额变化的结算笔数", s.changed_settlements],
        ],
        widths=(24, 20),
        notes=notes,
    )
    sheets = [budget]
    for key, rows in s.by.items():
        sheets.append(
            Sheet(
                TITLES[key],
                [TITLES[key][1:], *HEAD],
                [
                    [
                        r.key,
                        r.persons,
                        r.settlements,
                        fen_to_decimal(r.paid_now),
                        fen_to_decimal(r.paid_change),
                        fen_to_decimal(r.difference),
                    ]
                    for r in rows
                ],  # fmt: skip
                widths=(22, 10, 10, 16, 16, 16),
                notes=notes,
            )
        )
    for title, movers in (("受益最多", s.gainers), ("减少最多", s.losers)):
        sheets.append(
            Sheet(
                title,
                ["人员编号（脱敏）", "结算笔数", "现行支付（元）", "测算支付（元）", "差额（元）"],
                [
                    [
                        m.psn_masked,
                        m.settlements,
                        fen_to_decimal(m.paid_now),
                        fen_to_decimal(m.paid_change),
                        fen_to_decimal(m.difference),
                    ]
                    for m in movers
                ],  # fmt: skip
                widths=(20, 10, 16, 16, 16),
                notes=notes,
            )
        )
    return write_xlsx(path, sheets)
