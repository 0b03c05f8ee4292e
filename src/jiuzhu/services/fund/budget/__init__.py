"""The fund's budget (issue 13 item 7; 宁医保发〔2023〕102号 第二十六条: 根据市辖区内救助对象人数、
救助水平、门诊住院相关费用、滚存结余等有关数据，认真测算年度…医疗救助补助资金需求，及时报同级财政部门
审核; 双鸭山实施办法 第十四条 建立健全医疗救助基金预算制度，加强预算执行监督).

``estimate``: next year's need per county from the beneficiaries per class, last year's
spending per beneficiary and item, and the carried balance; ``record``: the budget as
recorded and audited by finance; ``execution``: budget against actual, monthly.
"""
