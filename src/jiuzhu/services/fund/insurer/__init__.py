"""The insurer-run model (承办商业保险机构) of 梅州规程 第十二条, 第十六–十九条 (issue 13 item 5).

A schedule of the year's money between the city's medical-security centre (市医保中心), the
finance bureau and the insurer — the premium subsidy (资助参保) advance, its mid-year
additions and its clearing; the assistance premium (费用救助保费) in April and July and its
clearing; the revolving funds (周转金) — each step with its due date on the working-day
calendar, its status, and, where money moves, its journal entry. The rules are data
(``policy/accounts/insurer.yaml``); the clearing reads the stored settlements and the
subsidy postings.
"""
