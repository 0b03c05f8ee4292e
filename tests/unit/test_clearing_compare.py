"""The comparison of a hospital's 3202 list with our settlements (domain/clearing.py), as
properties: every setl_id on one side only is reported once, as missing on the other side
(a reversal nobody pays is no difference); a setl_id on both sides is reported at most
once, exactly when its reversal state or an amount differs; the statement is 平 iff
nothing is reported. The reference here is a plain set computation."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.domain.clearing import (
    OurLine,
    TheirLine,
    Totals,
    compare_detail,
    compare_totals,
    our_totals,
    result_of,
)

ids = st.sets(st.integers(0, 40), max_size=25)
amount = st.integers(0, 3)


@given(ours_ids=ids, theirs_ids=ids, data=st.data())
def test_every_difference_once(
    ours_ids: set[int], theirs_ids: set[int], data: st.DataObject
) -> None:
    ours = {
        f"S{i}": OurLine(f"S{i}", data.draw(amount), data.draw(amount), data.draw(st.booleans()))
        for i in ours_ids
    }
    theirs = [
        TheirLine(n, f"S{i}", data.draw(amount), data.draw(amount), data.draw(st.booleans()))
        for n, i in enumerate(sorted(theirs_ids), 2)
    ]
    diffs = compare_detail(theirs, ours)
    got = [(d.kind, d.setl_id) for d in diffs]
    assert len(got) == len(set(d.setl_id for d in diffs))  # at most one per setl_id
    want = set()
    t_by = {t.setl_id: t for t in theirs}
    for sid in set(ours) | set(t_by):
        o, t = ours.get(sid), t_by.get(sid)
        if t is None:
            assert o is not None
            if not o.reversed:
                want.add(("missing_theirs", sid))
        elif o is None:
            if not t.refd:
                want.add(("missing_ours", sid))
        elif o.reversed != t.refd:
            want.add(("reversed", sid))
        elif not o.reversed and (o.fund_pay_sumamt, o.medfee_sumamt) != (
            t.fund_pay_sumamt,
            t.medfee_sumamt,
        ):
            want.add(("amount_differs", sid))
    assert set(got) == want
    assert (result_of(diffs)[0] == "0") == (not want)


@given(
    st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 10**9), st.booleans()), max_size=30)
)
def test_totals_of_what_stands(rows: list[tuple[int, int, bool]]) -> None:
    ours = [OurLine(f"S{i}", m, f, r) for i, (m, f, r) in enumerate(rows)]
    t = our_totals(ours)
    standing = [(m, f) for m, f, r in rows if not r]
    assert t == Totals(len(standing), sum(m for m, _ in standing), sum(f for _, f in standing))
    assert compare_totals(t, t) == []
    assert (
        len(compare_totals(Totals(t.setl_cnt + 1, t.medfee_sumamt, t.fund_pay_sumamt + 1), t)) == 2
    )
