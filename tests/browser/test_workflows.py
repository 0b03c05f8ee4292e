"""The case workers' work in a real browser (chromium): one reimbursement through intake,
初审, 复审, 审批 and payment by different people (宁医保发〔2023〕102号 第二十条: no one does
two levels); a department list uploaded, its diff read, confirmed; a person found by ID
number and a settlement's trace opened; a filtered list exported and read back as XLSX.
Every page visited is checked with axe-core and photographed at 1366×768."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_support import WHY, axe_check, login, shot, visit
from seed import MATERIALS, certno

pytestmark = pytest.mark.skipif(WHY is not None, reason=WHY or "")


def decide(page: Any, app_no: str, decision: str, reason: str) -> None:
    page.goto(f"/reimbursements/{app_no}")
    page.get_by_label("同意", exact=True).check() if decision == "approve" else page.get_by_label(
        "不同意", exact=True
    ).check()
    page.get_by_label("理由（不同意时必填）").fill(reason)
    page.locator("form[action$='/decide'] button[type=submit]").click()
    page.wait_for_load_state("networkidle")


def test_one_reimbursement_through_every_level(new_page: Any, live: Any, tmp_path: Path) -> None:
    # 受理 intake by the 经办员
    p = new_page()
    login(p, "caseworker")
    visit(p, "/reimbursements/new", "reimbursement-new")
    p.get_by_label("人员编号").fill("P1")
    p.get_by_label("受理日期").fill("2025-09-01")
    for code in MATERIALS:
        p.locator(f"input[name=materials][value={code}]").check()
    p.get_by_label("开户银行").fill("中国农业银行银川分行")
    p.get_by_label("开户名").fill("张三丰")
    p.get_by_label("银行账号").fill("6228480012345678901")
    p.fill("#c0_setl_id", "W1-1")
    p.fill("#c0_setl_time", "2025-08-01 10:00")
    p.fill("#c0_begndate", "2025-07-25")
    p.fill("#c0_enddate", "2025-08-01")
    p.fill("#c0_inscp_scp_amt", "20000.00")
    p.fill("#c0_hifp_pay", "8000.00")
    p.fill("#c0_hifmi_pay", "0")
    p.get_by_role("button", name="受理").click()
    p.wait_for_url("**/reimbursements/NX*")
    app_no = p.url.rsplit("/", 1)[1].split("?")[0]
    assert "已受理" in p.inner_text("main")
    shot(p, "reimbursement-received")
    axe_check(p, "reimbursement-received")
    pdf = p.request.get(f"/reimbursements/{app_no}/documents/receipt.pdf")
    assert pdf.status == 200 and pdf.body()[:4] == b"%PDF"

    # 初审 by a user who also holds 复审
    both = new_page()
    login(both, "both")
    visit(both, "/reimbursements/queue/first_review", "queue-first-review")
    assert app_no in both.inner_text("main")
    both.get_by_role("link", name=app_no).click()
    both.wait_for_load_state("networkidle")
    # P1 (低保, class 二): base 20000.00 − 8000.00 = 12000.00; × 80% = 9600.00 (第十四条（二）);
    # the year's earlier 剩余个人负担 4000 + 100 + 140 = 4240 already exceeds 3000, so this
    # stay's remaining 12000 − 9600 = 2400.00 gets 70% tilt = 1680.00; together 11280.00
    text = both.inner_text("main")
    assert "9,600.00" in text and "1,680.00" in text and "11,280.00" in text
    shot(both, "reimbursement-first-review")
    axe_check(both, "reimbursement-first-review")
    decide(both, app_no, "approve", "材料齐全，符合第二十二条")
    assert "审核意见已保存" in both.inner_text("main")
    # the same person may not do the second level (第二十条)
    decide(both, app_no, "approve", "复审同意")
    refused = both.inner_text("main")
    assert "审核意见已保存" not in refused
    assert "同一" in refused, refused[:500]
    shot(both, "reimbursement-second-level-refused")

    # 复审 and 审批 by two other people
    second = new_page()
    login(second, "second_review")
    decide(second, app_no, "approve", "复审同意")
    assert "审核意见已保存" in second.inner_text("main")
    approver = new_page()
    login(approver, "approval")
    decide(approver, app_no, "approve", "同意拨付")
    assert "已审批待拨付" in approver.inner_text("main")
    shot(approver, "reimbursement-approved")
    axe_check(approver, "reimbursement-approved")
    pdf = approver.request.get(f"/reimbursements/{app_no}/documents/decision.pdf")
    assert pdf.status == 200 and pdf.body()[:4] == b"%PDF"

    # 拨付 by 财务: a batch, the bank file, the bank's confirmation
    fin = new_page()
    login(fin, "finance")
    visit(fin, "/reimbursement-batches", "payment-batches")
    fin.get_by_role("button", name="生成拨付批次").click()
    fin.wait_for_url("**/reimbursement-batches/*")
    assert app_no in fin.inner_text("main")
    with fin.expect_download() as dl:
        fin.get_by_role("link", name="导出银行文件（XLSX）").click()
    from openpyxl import load_workbook

    path = tmp_path / "bank.xlsx"
    dl.value.save_as(path)
    cells = [c for row in load_workbook(path).active.iter_rows(values_only=True) for c in row]
    assert "6228480012345678901" in [str(c) for c in cells]  # the bank gets the full account
    fin.get_by_role("button", name="确认到账").click()
    fin.get_by_label("银行回执号").fill("BANK-2025-0001")
    fin.get_by_role("button", name="确认", exact=True).click()
    fin.wait_for_load_state("networkidle")
    assert "已确认拨付到账" in fin.inner_text("main")
    shot(fin, "payment-batch-paid")
    axe_check(fin, "payment-batch-paid")
    fin.goto(f"/reimbursements/{app_no}")
    assert "已拨付" in fin.inner_text("main")


def test_upload_a_list_read_the_diff_confirm(new_page: Any, live: Any, tmp_path: Path) -> None:
    f = tmp_path / "yibao-2025-09.csv"
    f.write_text(
        "psn_no,certno,psn_name,identity,begndate,enddate\n"
        f"P10,{certno(10)},王五,dibao,2025-09-01,\n"
        f"P3,{certno(3)},李四,bianyuan,2024-01-01,2026-06-30\n",  # renewed: a later end
        encoding="utf-8",
    )
    p = new_page()
    login(p, "caseworker")
    visit(p, "/identities/import", "identities-import")
    p.set_input_files("#im-file", str(f))
    p.get_by_label("认定部门").select_option("yibao")
    p.get_by_role("button", name="上传并预览差异").click()
    p.wait_for_load_state("networkidle")
    text = p.inner_text("main")
    assert "名单差异预览" in text and "尚未写入" in text
    counts = dict(
        (r.locator("th").inner_text(), r.locator("td").inner_text())
        for r in p.locator("table").first.locator("tbody tr").all()
    )
    assert counts["新增"] == "1" and counts["变更"] == "1" and counts["新建人员"] == "1"
    assert "1101" not in text and certno(10) not in text  # masked in the preview
    shot(p, "identities-preview")
    axe_check(p, "identities-preview")
    other = p.context.new_page()
    other.goto("/persons?psn_no=P10")
    assert "没有符合条件的人员" in other.inner_text("main")  # nothing written by the preview
    p.get_by_role("button", name="确认导入").click()
    p.wait_for_load_state("networkidle")
    assert "已导入：批次" in p.inner_text("main")
    shot(p, "identities-report")
    axe_check(p, "identities-report")
    p.goto("/persons?psn_no=P10")
    assert "P10" in p.inner_text("#results")


def test_find_a_person_by_id_number_and_open_a_trace(new_page: Any, live: Any) -> None:
    p = new_page()
    login(p, "caseworker")
    visit(p, "/persons", "persons")
    p.get_by_text("按身份证号码查找").click()
    p.get_by_label("身份证号码（18 位，完整）").fill(certno(1))
    p.get_by_label("姓名（选填，须与登记一致）").fill("张三丰")
    p.get_by_role("button", name="查找").click()
    p.wait_for_load_state("networkidle")
    assert "已找到 1 人" in p.inner_text("main")
    assert certno(1) not in p.content()  # neither in the page nor the URL
    assert certno(1) not in p.url
    shot(p, "persons-found")
    axe_check(p, "persons-found")
    p.get_by_role("link", name="查看 P1").click()
    p.wait_for_url("**/persons/P1")
    assert "★ 适用" in p.inner_text("main")
    shot(p, "person")
    axe_check(p, "person")
    p.get_by_role("link", name="S1", exact=True).first.click()
    p.wait_for_url("**/settlements/S1")
    trace = p.inner_text("ol.trace")
    # S1: 30000.00 − 10000.00 = 20000.00 base; × 80% = 16000.00 (宁医保发〔2023〕102号 第十四条（二）)
    assert "20000.00" in trace and "16000.00" in trace and "第十四条" in trace
    assert "16,000.00" in p.inner_text("main")
    shot(p, "settlement-trace")
    axe_check(p, "settlement-trace")


def test_export_a_filtered_list_as_xlsx(new_page: Any, live: Any, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    p = new_page()
    login(p, "auditor")
    visit(p, "/settlements", "settlements")
    p.get_by_label("医药机构编码").fill("H64010000001")
    p.get_by_role("button", name="查询").click()
    p.wait_for_url("**institution=H64010000001**")
    from playwright.sync_api import expect

    expect(p.locator("#results tbody tr")).to_have_count(2)  # htmx swapped the table
    shown = {a.inner_text() for a in p.locator("#results tbody tr td:first-child a").all()}
    assert shown == {"S1", "S3"}
    shot(p, "settlements-filtered")
    axe_check(p, "settlements-filtered")
    with p.expect_download() as dl:
        p.get_by_role("link", name="导出").click()
    path = tmp_path / "export.xlsx"
    dl.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == "结算编号"))
    data = rows[header + 1 :]
    assert {r[0] for r in data} == {"S1", "S3"}
    s1 = next(r for r in data if r[0] == "S1")
    assert s1[3] == "H64010000001" and s1[11] == "16000.00"
