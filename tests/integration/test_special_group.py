"""梅州规程 第十二条（四） "两病" children through `jiuzhu calc`'s reader and the service:
optional claim fields ``dise_codg`` and ``age`` (issue 8 item 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from settlement_support import new_key

from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.app import create_app
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import format_fen
from jiuzhu.services.batch import readers, reference

CASES = Path(__file__).resolve().parents[1] / "policy_cases" / "meizhou" / "lb_children.yaml"
PARAMS = {k: str(v) for k, v in yaml.safe_load(CASES.read_text("utf-8"))["params"].items()}
HEADER = "setl_id,psn_no,setl_time,med_type,begndate,enddate,inscp_scp_amt,hifp_pay,hifmi_pay"


def test_calc_reads_diagnosis_and_age(tmp_path: Path) -> None:
    """10,000 × 70% (the operator's lb_children ratio in lb_children.yaml) = 7,000.00 for
    the 8-year-old with C92; the 15-year-old gets nothing; a bad age names its column."""
    p = tmp_path / "claims.csv"
    p.write_text(
        HEADER + ",dise_codg,age\n"
        "K1,K1,2025-03-10 10:00:00,21,2025-03-01,2025-03-10,10000.00,0,0,C92.0,8\n"
        "K2,K2,2025-03-10 10:00:00,21,2025-03-01,2025-03-10,10000.00,0,0,C92.0,15\n",
        "utf-8",
    )
    policy = RegionPolicy.load("meizhou", None, PARAMS)
    out = reference.run_file(p, {}, policy)
    got = [line.split(",")[:5] for line in out.lines]
    assert got == [["K1", "K1", "", "7000.00", "0.00"], ["K2", "K2", "", "0.00", "0.00"]]
    p.write_text(
        HEADER + ",age\nK3,K3,2025-03-10 10:00:00,21,2025-03-01,2025-03-10,1.00,0,0,eight\n",
        "utf-8",
    )
    with pytest.raises(InputError) as e:
        readers.read_claims(p)
    assert e.value.column == "age" and e.value.line == 2


def test_service_pays_the_group_as_calc(db_url: str) -> None:
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    key = new_key(uow)
    policy = RegionPolicy.load("meizhou", None, PARAMS)
    body = {
        "setl_id": "K1",
        "psn_no": "K1",
        "setl_time": "2025-03-10 10:00:00",
        "med_type": "21",
        "begndate": "2025-03-01",
        "enddate": "2025-03-10",
        "inscp_scp_amt": "10000.00",
        "hifp_pay": "0",
        "hifmi_pay": "0",
        "dise_codg": "C92.0",
        "age": 8,
    }
    with TestClient(create_app(policy=policy, engine=engine)) as c:
        r = c.post("/api/v1/settlements", json=body, headers={"X-API-Key": key})
        assert r.status_code == 200, r.text
        assert (r.json()["maf_pay"], r.json()["class"]) == (format_fen(700_000), "lb_children")
        assert (
            c.post("/api/v1/settlements", json=body, headers={"X-API-Key": key}).json() == r.json()
        )
        bad = c.post(
            "/api/v1/settlements",
            json={**body, "setl_id": "K9", "age": -1},
            headers={"X-API-Key": key},
        )
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "age"
    engine.dispose()
