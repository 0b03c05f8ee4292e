"""The one-pass byte check of the monthly comparison (``fast_kernel.plain_lines``) against
Python's own: the strict UTF-8 decoder, ``count`` of line feeds, and the plain form's
rules (no quote, no NUL, every CR before a LF)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.services.identity_import import fast_kernel as fk


def _python(data: bytes) -> int:
    if b'"' in data or b"\x00" in data or data.count(b"\r") != data.count(b"\r\n"):
        return -1
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return -1
    return data.count(b"\n")


def _compiled(data: bytes) -> int:
    return int(fk.plain_lines(np.frombuffer(data, np.uint8)))


# bytes near the edges of UTF-8's ranges, so that random lists hit them often
EDGES = [0x00, 0x0A, 0x0D, 0x22, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0,
         0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4,
         0xF5, 0xFF]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(EDGES), st.integers(0, 255)), max_size=12))
def test_random_bytes_read_as_python_reads_them(bs: list[int]) -> None:
    data = bytes(bs)
    assert _compiled(data) == _python(data)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40), st.sampled_from(["\n", "\r\n", "\r", '"', "\x00", ""]))
def test_any_text_in_utf8(text: str, extra: str) -> None:
    data = (text + extra + text).encode("utf-8", "surrogatepass")
    assert _compiled(data) == _python(data)


def test_the_edges_by_hand() -> None:
    # 2 line feeds, Chinese names (3 bytes each), a 4-byte character: plain
    assert _compiled("姓名,身份\n张三,特困\r\n𠀀\n".encode()) == 3
    assert _compiled(b"\xc0\x80") == -1  # overlong NUL
    assert _compiled(b"\xe0\x80\x80") == -1  # overlong 3-byte form
    assert _compiled(b"\xed\xa0\x80") == -1  # a surrogate (U+D800)
    assert _compiled(b"\xf4\x90\x80\x80") == -1  # above U+10FFFF
    assert _compiled(b"\xe4\xb8") == -1  # cut short at the end
    assert _compiled(b"a\rb") == -1 and _compiled(b"a\r") == -1
    assert _compiled(b"") == 0


def test_few_texts_groups_by_bytes_and_gives_up_past_its_limit() -> None:
    """The identity names of a list grouped by their bytes (``fast_kernel.few_texts``)."""
    words = ["特困", "低保", "特困", "dibao", "低保", "特困人员"]
    data = ",".join(words).encode()
    starts, ends, at = [], [], 0
    for w in words:
        starts.append(at)
        at += len(w.encode())
        ends.append(at)
        at += 1
    buf = np.frombuffer(data, np.uint8)
    s, e = np.array(starts, np.int64), np.array(ends, np.int64)
    group = np.empty(len(words), np.int64)
    first = np.empty(8, np.int64)
    assert fk.few_texts(buf, s, e, 8, group, first) == 4
    assert group.tolist() == [0, 1, 0, 2, 1, 3]
    assert first[:4].tolist() == [0, 1, 3, 5]
    assert fk.few_texts(buf, s, e, 3, group, first) == -1
