"""Hand-worked cases of the early-warning lines (calc-contract §11), one block per line.

Each case: region, parameters, IDENTITIES.csv, CLAIMS.csv (with ``medfee_sumamt``) and
the expected WARNINGS.csv rows ``psn_no,year,line,setl_id,identity,amount``, worked out
by hand in the comments. The same cases run through ``jiuzhu warning scan`` (both of
its paths) and through real-time settlement (tests/integration/test_warning_realtime.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

HEAD = "setl_id,psn_no,setl_time,med_type,begndate,enddate,inscp_scp_amt,hifp_pay,hifmi_pay,medfee_sumamt\n"


@dataclass(frozen=True)
class Case:
    name: str
    region: str
    params: dict[str, str]
    identities: str
    claims: str
    expected: list[tuple[str, ...]]
    notes: list[str] = field(default_factory=list)


CASES = [
    # 新疆规程 第二十一条 (identity on begndate, 第十六条)
    Case(
        "xinjiang",
        "xinjiang",
        {"rural_income_prev_year": "16000"},
        "psn_no,identity,begndate,enddate\n"
        "A,tekun,2024-01-01,\n"
        "B,bianyuan,2024-01-01,\n"
        "C,yinbing,2024-01-01,\n"
        "D,dibao,2024-01-01,\n"
        "E,guer,2024-01-01,\n"
        "F,jiance,2024-06-01,\n",
        HEAD
        # A tekun: XA1 base 500−500 = 0 → not over 0; XA2 base 100−50 = 50.00 → xj_realtime
        + "XA1,A,2024-02-01 10:00:00,21,2024-01-20,2024-02-01,500.00,500.00,0,\n"
        + "XA2,A,2024-03-01 10:00:00,11,2024-03-01,2024-03-01,100.00,50.00,0,\n"
        # B bianyuan: B = 1500 (XB1), 1500 + 500 = 2000.00 exactly at the line (XB2: not
        # over), 2000 + 0.01 = 2000.01 (XB3) → xj_2000 at XB3, amount 2000.01
        + "XB1,B,2024-03-01 10:00:00,11,2024-03-01,2024-03-01,1500.00,0,0,\n"
        + "XB2,B,2024-04-01 10:00:00,21,2024-03-20,2024-04-01,1000.00,500.00,0,\n"
        + "XB3,B,2024-05-01 10:00:00,11,2024-05-01,2024-05-01,0.01,0,0,\n"
        # C yinbing: one stay, base 30000 − 10000 = 20000 > 16000 (parameter) → crosses
        # inside one settlement: xj_yinbing at XC1, amount 20000.00
        + "XC1,C,2024-06-01 10:00:00,21,2024-05-20,2024-06-01,30000.00,10000.00,0,\n"
        # D dibao across New Year: XD1 (enddate 2024-12-31) base 100 → fires in 2024; XD2
        # admitted 2024-12-28, discharged 2025-01-03: year 2025 (§11: year of enddate),
        # base 80 → fires again in 2025
        + "XD1,D,2024-12-31 18:00:00,14,2024-12-31,2024-12-31,100.00,0,0,\n"
        + "XD2,D,2025-01-03 09:00:00,21,2024-12-28,2025-01-03,100.00,20.00,0,\n"
        # E guer: not among 特困人员、低保对象 of 第二十一条 → nothing
        + "XE1,E,2024-03-01 10:00:00,21,2024-03-01,2024-03-05,900.00,0,0,\n"
        # F jiance from 2024-06-01: XF1 (begndate 2024-05-01, no identity on admission)
        # B = 2500 but nobody watched; XF2 (admitted 2024-07-01, jiance) B = 2600 > 2000
        # → xj_2000 at XF2 with the running sum 2600.00
        + "XF1,F,2024-05-10 10:00:00,21,2024-05-01,2024-05-10,2500.00,0,0,\n"
        + "XF2,F,2024-07-10 10:00:00,11,2024-07-01,2024-07-01,100.00,0,0,\n",
        [
            ("A", "2024", "xj_realtime", "XA2", "tekun", "50.00"),
            ("B", "2024", "xj_2000", "XB3", "bianyuan", "2000.01"),
            ("C", "2024", "xj_yinbing", "XC1", "yinbing", "20000.00"),
            ("D", "2024", "xj_realtime", "XD1", "dibao", "100.00"),
            ("D", "2025", "xj_realtime", "XD2", "dibao", "80.00"),
            ("F", "2024", "xj_2000", "XF2", "jiance", "2600.00"),
        ],
    ),
    # 双鸭山实施办法 第二十四条、第二十五条 (identity on enddate)
    Case(
        "shuangyashan",
        "shuangyashan",
        {"resident_income_prev_year": "30000"},
        "psn_no,identity,begndate,enddate\nG,bianyuan,2024-01-01,\nK,dibao,2024-01-01,\n",
        HEAD
        # X, no identity: H = 20000 − 8000 − 2000 = 10000.00 exactly (not over); then
        # 0.01 − 0 = 0.01 → 10000.01 → sy_10000 at SX2, identity empty
        + "SX1,X,2024-03-01 10:00:00,21,2024-02-20,2024-03-01,15000.00,8000.00,2000.00,20000.00\n"
        + "SX2,X,2024-04-01 10:00:00,11,2024-04-01,2024-04-01,0.01,0,0,0.01\n"
        # Y, no identity, no medfee_sumamt: inscp_scp_amt stands in, H = 15000 − 4000 =
        # 11000.00 in one settlement → sy_10000 at SY1
        + "SY1,Y,2024-05-01 10:00:00,21,2024-04-20,2024-05-01,15000.00,4000.00,0,\n"
        # G bianyuan: hifmi 0 (SG1) then 300.00 (SG2) → sy_dabing at SG2, amount 300.00
        # (H 1000 − 500 + 2000 − 1000 − 300 = 1200: far from 10000)
        + "SG1,G,2024-03-01 10:00:00,21,2024-03-01,2024-03-03,1000.00,500.00,0,1000.00\n"
        + "SG2,G,2024-06-01 10:00:00,21,2024-05-25,2024-06-01,2000.00,1000.00,300.00,2000.00\n"
        # K dibao: hifmi > 0 but 第二十四条 is about 低保边缘/易返贫 (§11) → no sy_dabing;
        # H = 12000 − 1000 − 500 = 10500 > 10000 → sy_10000 (anyone) at SK1, amount 10500.00
        + "SK1,K,2024-07-01 10:00:00,21,2024-06-20,2024-07-01,9000.00,1000.00,500.00,12000.00\n",
        [
            ("G", "2024", "sy_dabing", "SG2", "bianyuan", "300.00"),
            ("K", "2024", "sy_10000", "SK1", "dibao", "10500.00"),
            ("X", "2024", "sy_10000", "SX2", "", "10000.01"),
            ("Y", "2024", "sy_10000", "SY1", "", "11000.00"),
        ],
    ),
    # 宁医保发〔2023〕102号 第三十六条（二）: only 门诊慢特病 (14) and inpatient (2x) count
    Case(
        "ningxia",
        "ningxia",
        {},
        "psn_no,identity,begndate,enddate\n"
        "T,tuopin,2024-01-01,\n"
        "U,tuopin,2024-01-01,\n"
        "U,dibao,2024-01-01,\n",
        HEAD
        # T tuopin: NT1 outpatient (11) base 30000 ignored; NT2 inpatient 15000; NT3
        # chronic 5000 → 20000.00 exactly (not over); NT4 outpatient base 100 ignored
        # (no firing there either); NT5 inpatient 0.01 → 20000.01 → nx_fanpin at NT5
        + "NT1,T,2024-02-01 10:00:00,11,2024-02-01,2024-02-01,30000.00,0,0,\n"
        + "NT2,T,2024-03-01 10:00:00,21,2024-02-20,2024-03-01,25000.00,10000.00,0,\n"
        + "NT3,T,2024-04-01 10:00:00,14,2024-04-01,2024-04-01,5000.00,0,0,\n"
        + "NT4,T,2024-05-01 10:00:00,11,2024-05-01,2024-05-01,100.00,0,0,\n"
        + "NT5,T,2024-06-01 10:00:00,22,2024-05-30,2024-06-01,0.01,0,0,\n"
        # U tuopin and dibao: §4 selects dibao (class 二; tuopin has no class) → not watched
        + "NU1,U,2024-06-01 10:00:00,21,2024-05-20,2024-06-01,30000.00,0,0,\n",
        [("T", "2024", "nx_fanpin", "NT5", "tuopin", "20000.01")],
    ),
    # 柳州任务清单 六（一）: the line and the identity rule are the operator's
    Case(
        "liuzhou",
        "liuzhou",
        {"warning_line": "5000", "identity_rule": "on_enddate"},
        "psn_no,identity,begndate,enddate\nL,bianyuan,2024-01-01,\nM,tekun,2024-01-01,\n",
        HEAD
        # L bianyuan: H = 4000 − 1000 = 3000, then 3000 + (3000 − 500) = 5500 > 5000 → lz_line
        + "LL1,L,2024-02-01 10:00:00,21,2024-01-25,2024-02-01,3500.00,1000.00,0,4000.00\n"
        + "LL2,L,2024-03-01 10:00:00,11,2024-03-01,2024-03-01,3000.00,500.00,0,\n"
        # M tekun: not among 低保边缘家庭成员、农村易返贫致贫人口 → nothing
        + "LM1,M,2024-02-01 10:00:00,21,2024-01-25,2024-02-01,9000.00,0,0,9000.00\n",
        [("L", "2024", "lz_line", "LL2", "bianyuan", "5500.00")],
    ),
]
