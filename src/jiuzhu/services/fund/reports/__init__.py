"""The fund's reports (issue 13 item 8): 资产负债表 and 收支表 (monthly, quarterly, annual),
医疗救助费用支出统计, 资助参保统计 and the annual 执行分析报告 — 宁医保发〔2023〕102号 第二十八条
(按月、季、年编报基金财务会计报表; 年度执行分析报告), 第三十五条 (费用支出统计月报、季报);
新疆规程 第二十条 (财务报表和统计报表).

Every figure is a :class:`~jiuzhu.services.fund.reports.model.Cell` carrying a drill key;
:func:`~jiuzhu.services.fund.reports.drill.drill` lists the journal entries or the
settlements behind it, whose sum is the figure.
"""
