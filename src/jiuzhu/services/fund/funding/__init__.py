"""Funding of the medical-assistance fund (issue 13 item 4).

Income by source into the 财政专户 (双鸭山实施办法 第十五条 统收), the monthly 用款计划 of each
agency summed into one request to finance (第十六条 统支), transfers 财政专户 → 支出户 per
agency (第十四条 市、县分账), the year-end remittance of each 支出户's balance and interest
(宁医保发〔2023〕102号 第二十七条), the year-end closing of income and expense into 一般基金结余
(滚存结余), and the gap rule of 双鸭山实施办法 第十七条.

Every step is one transaction: its ``fund_move`` row, its journal entry (kind ``manual``,
source ``<kind>/<document>``), its audit record — or nothing.
"""
