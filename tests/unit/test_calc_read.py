"""Reading CLAIMS.csv and IDENTITIES.csv (calc-contract §8): the formats accepted, and
every refusal located by file, line and column. The reader has a fast path for
well-formed cells; these cases hold it to the checking parsers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jiuzhu.domain.errors import InputError
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.services.batch.readers import read_claims, read_identities, read_totals

HEAD = "setl_id,psn_no,setl_time,med_type,begndate,enddate,inscp_scp_amt,hifp_pay,hifmi_pay"


def write(tmp_path: Path, text: str, name: str = "claims.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_amount_and_flag_forms(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "\ufeff"  # a byte-order mark is accepted
        "in_province,hifob_pay,setl_id,psn_no,setl_time,med_type,begndate,enddate,"
        "inscp_scp_amt,hifp_pay,hifmi_pay,out_of_area,referral,emergency,extra\n"
        "0,0,a,P,2024-01-02 03:04:05,21,2024-01-01,2024-01-02,7,7.5,007.10,1,1, 0 ,x\n"
        ",, b ,P,2024-01-02 03:04:05, 14 ,2024-01-01,2024-01-02, 12.30 ,+3,0.00,,,,\n"
        " 1 ,1.05,c,P,2024-01-02 03:04:05,11,2024-01-02,2024-01-02,1.00,0.5,0\n"
        "\n"
        " , ,\n",  # blank lines (also of blank cells) are skipped
    )
    claims = read_claims(p)
    assert [c.setl_id for c in claims] == ["a", "b", "c"]
    a, b, c = claims
    assert (a.inscp_scp_amt, a.hifp_pay, a.hifmi_pay, a.hifob_pay) == (700, 750, 710, 0)
    assert (a.out_of_area, a.referral, a.emergency, a.in_province) == (True, True, False, False)
    assert a.setl_time == dt.datetime(2024, 1, 2, 3, 4, 5)
    assert (b.med_type, b.inscp_scp_amt, b.hifp_pay, b.hifmi_pay) == ("14", 1230, 300, 0)
    # empty optional cells take the defaults of §8
    assert (b.hifob_pay, b.out_of_area, b.referral, b.emergency, b.in_province) == (
        0, False, False, False, True,
    )  # fmt: skip
    # a short row: the missing optional cells are empty
    assert (c.hifob_pay, c.hifp_pay, c.in_province, c.emergency) == (105, 50, True, False)


def test_optional_columns_may_be_absent(tmp_path: Path) -> None:
    p = write(
        tmp_path, HEAD + "\nA1,P,2024-03-01 10:00:00,21,2024-02-20,2024-03-01,100.00,20.00,0\n"
    )
    (c,) = read_claims(p)
    assert (c.hifob_pay, c.out_of_area, c.referral, c.emergency, c.in_province) == (
        0, False, False, False, True,
    )  # fmt: skip
    assert c.base == 8000


ROW = "A1,P,2024-03-01 10:00:00,21,2024-02-20,2024-03-01,100.00,20.00,0"


def _row(**cells: str) -> str:
    names = HEAD.split(",")
    values = ROW.split(",")
    for k, v in cells.items():
        values[names.index(k)] = v
    return ",".join(values)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (_row(setl_time="2024-03-01 10:00"), "setl_time", "malformed time"),
        (_row(setl_time="2024-03-01 10:00+08"), "setl_time", "malformed time"),
        (_row(setl_time="2024-03-01T10:00:00"), "setl_time", "malformed time"),
        (_row(setl_time="2024-13-01 10:00:00"), "setl_time", "malformed time"),
        (_row(begndate="2024-2-20"), "begndate", "malformed date"),
        (_row(enddate=""), "enddate", "malformed date"),
        (_row(begndate="2024-03-02"), "enddate", "is before begndate"),
        (_row(inscp_scp_amt="1.234"), "inscp_scp_amt", "malformed amount"),
        (_row(inscp_scp_amt="1e2"), "inscp_scp_amt", "malformed amount"),
        (_row(hifp_pay="-0.01"), "hifp_pay", "negative amount"),
        (_row(hifmi_pay=""), "hifmi_pay", "malformed amount"),
        (_row(hifmi_pay="1.0.00"), "hifmi_pay", "malformed amount"),
        (_row(setl_id=" "), "setl_id", "empty setl_id"),
        (_row(psn_no=""), "psn_no", "empty psn_no"),
        (_row(med_type=""), "med_type", "empty med_type"),
    ],
)
def test_refusals_name_line_and_column(tmp_path: Path, row: str, column: str, message: str) -> None:
    p = write(tmp_path, f"{HEAD}\n{_row(setl_id='A0')}\n{row}\n")
    with pytest.raises(InputError) as e:
        read_claims(p)
    assert (e.value.file, e.value.line, e.value.column) == (str(p), 3, column)
    assert message in e.value.detail
    assert str(e.value).startswith(f"{p}, line 3, column {column}: ")


def test_flag_refusal(tmp_path: Path) -> None:
    p = write(tmp_path, f"{HEAD},referral\n{ROW},2\n")
    with pytest.raises(InputError, match=r"line 2, column referral: flag must be 0 or 1"):
        read_claims(p)


def test_first_error_in_file_order(tmp_path: Path) -> None:
    p = write(tmp_path, f"{HEAD}\n{_row(hifp_pay='x')}\n{_row(setl_id='A1')}\n")
    with pytest.raises(InputError) as e:
        read_claims(p)
    assert (e.value.line, e.value.column) == (2, "hifp_pay")


def test_duplicate_names_both_lines(tmp_path: Path) -> None:
    p = write(tmp_path, f"{HEAD}\n{ROW}\n{_row(setl_id='B')}\n{ROW}\n")
    with pytest.raises(
        InputError, match=r"line 4, column setl_id: duplicate setl_id 'A1' \(first on line 2\)"
    ):
        read_claims(p)


def test_missing_column_and_empty_file(tmp_path: Path) -> None:
    p = write(tmp_path, HEAD.replace(",hifp_pay", "") + "\n")
    with pytest.raises(InputError, match="line 1, column hifp_pay: missing column"):
        read_claims(p)
    with pytest.raises(InputError, match="empty file"):
        read_claims(write(tmp_path, ""))
    with pytest.raises(InputError, match="cannot open"):
        read_claims(tmp_path / "absent.csv")


def test_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "gbk.csv"
    p.write_bytes((HEAD + "\n" + ROW.replace("P", "张三") + "\n").encode("gbk"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_claims(p)


def test_identities(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "enddate,identity,psn_no,begndate\n,dibao,P1,2024-01-01\n2024-06-30,X7,P1,2024-01-01\n",
        "ids.csv",
    )
    assert read_identities(p, {"X7": "tekun"}) == {
        "P1": [
            IdentitySpan("dibao", dt.date(2024, 1, 1), None),
            IdentitySpan("tekun", dt.date(2024, 1, 1), dt.date(2024, 6, 30)),
        ]
    }
    with pytest.raises(InputError) as e:
        read_identities(p)
    assert (e.value.line, e.value.column) == (3, "identity")
    assert "unknown identity code 'X7'" in e.value.detail


def test_totals_file_refusals(tmp_path: Path) -> None:
    p = write(tmp_path, "psn_no,year,S,P,R,TP\nA,20x4,1,1,1,1\n", "t.csv")
    with pytest.raises(InputError, match="line 2, column year"):
        read_totals(p)
    p = write(tmp_path, "psn_no,year,S,P,R,TP\nA,2024,1,-1,1,1\n", "t.csv")
    with pytest.raises(InputError, match="line 2, column P: negative amount"):
        read_totals(p)
