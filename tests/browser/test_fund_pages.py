"""基金管理 pages on a meizhou database with a year of money in it (the insurer schedule,
funding, settlements, a budget): each page opened, axe-checked and photographed
(var/screenshots/fund-*.png); a step of the schedule completed from its form; a report
cell followed to its settlements."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import WHY, Live, live_server, login, shot, visit

pytestmark = pytest.mark.skipif(WHY is not None, reason=WHY or "")
D = dt.date


def _seed(uow: Any) -> None:
    from jiuzhu.adapters.db.tables import Person, PersonIdentity
    from jiuzhu.domain.claim import Claim
    from jiuzhu.domain.events import Subsidised
    from jiuzhu.policy.loader import RegionPolicy
    from jiuzhu.services import messagebus
    from jiuzhu.services.fund.funding import moves, plans
    from jiuzhu.services.fund.insurer import schedule
    from jiuzhu.services.settlement import settle

    params = {}
    for name in RegionPolicy.load("meizhou").missing_parameters(True):
        params[name] = (
            "0.8" if name.endswith("_ratio") else "0" if name.endswith("_deductible") else "1000000"
        )
    mz = RegionPolicy.load("meizhou", cli_params=params)
    with uow.begin() as s:
        for i, county in enumerate(("441402", "441403", "441422", "441481")):
            p = Person(psn_no=f"M{i}", county=county)
            s.add(p)
            s.flush()
            s.add(PersonIdentity(person_id=p.id, psn_no=p.psn_no, code=("tekun", "dibao")[i % 2],
                                 begndate=D(2025, 1, 1), enddate=None, source="yibao"))  # fmt: skip
    for n in range(12):
        day = D(2025, 1 + n, 10)
        claim = Claim(f"MZ{n}", f"M{n % 4}", dt.datetime.combine(day, dt.time(9)), ("21", "14", "11")[n % 3],
                      day, day, 500_000 + 37_000 * n, 0, 0)  # fmt: skip
        settle(uow, mz, claim, source="one_stop", actor="t", institution=f"H4414000000{n % 3}")
    with uow.begin() as s:
        messagebus.publish(
            s, Subsidised("梅医保-2025", "meizhou", 2025, "441402", 120, 4_560_000, D(2025, 1, 5))
        )
    moves.record_income(
        uow,
        moves.Income("meizhou", "upper", 300_000_000, "粤财社〔2025〕8号", D(2025, 2, 1)),
        actor="t",
    )
    moves.record_income(
        uow,
        moves.Income("meizhou", "own", 120_000_000, "梅市财社〔2025〕3号", D(2025, 2, 3)),
        actor="t",
    )
    for county, fen in (("441402", 30_000_000), ("441403", 12_000_000), ("441481", 8_000_050)):
        plans.set_plan(uow, "meizhou", "2025-03", county, fen, actor="t")
    plans.submit_request(uow, "meizhou", "2025-03", "梅医保〔2025〕12号", actor="t")
    plans.transfer_request(uow, "meizhou", "2025-03", "拨-2025-03", D(2025, 3, 8), actor="t")
    schedule.plan_subsidy(uow, "meizhou", 2026, 100_000_000, actor="t")
    schedule.plan_premium(uow, "meizhou", 2026, actor="t")
    schedule.add_addition(
        uow, "meizhou", 2026, D(2026, 2, 6), 1_000_000, document="新增-1", actor="t"
    )


@pytest.fixture(scope="module")
def mz(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from web_support import make_users

    def prepare(app: Any, uow: Any) -> None:
        make_users(uow)
        _seed(uow)

    with live_server(tmp_path_factory.mktemp("fund"), prepare, region="meizhou") as srv:
        yield srv


def test_fund_pages_with_money(browser: Any, mz: Live) -> None:
    ctx = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN", bypass_csp=True,
                              base_url=mz.base)  # fmt: skip
    p = ctx.new_page()
    login(p, "finance")
    visit(p, "/fund/insurer", "fund-insurer")
    # 资助参保资金请拨 for 2026 completed from its row's form
    row = p.locator("tr", has_text="资助参保资金请拨").first
    row.get_by_label("完成日期").fill("2025-09-10")
    row.get_by_label("文号").fill("梅医保〔2025〕请-1")
    row.get_by_role("button", name="完成").click()
    p.wait_for_url("**/fund/insurer")
    assert "资助参保资金到账" in p.inner_text("main")
    shot(p, "fund-insurer-after-request")
    visit(p, "/fund/funding?year=2025", "fund-funding")
    assert "支出户存款—梅县区" in p.inner_text("main")  # 各级经办机构 支出户 (梅州规程 第十四条)
    visit(p, "/fund/reports?kind=spending&period=2025", "fund-reports-spending")
    visit(p, "/fund/reports?kind=income_statement&period=2025Q1", "fund-reports-income")
    visit(p, "/fund/reports?kind=balance_sheet&period=2025-03", "fund-reports-balance")
    visit(p, "/fund/reports?kind=analysis&period=2025", "fund-reports-analysis")
    p.goto("/fund/reports?kind=spending&period=2025")
    p.locator("table.grid a").first.click()
    p.wait_for_load_state("networkidle")
    assert "结算明细" in p.inner_text("main")
    shot(p, "fund-reports-drill-settlements")
    visit(p, "/fund/budget?year=2026&month=3", "fund-budget")
    ctx.close()
