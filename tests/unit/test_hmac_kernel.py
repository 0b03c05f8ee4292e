"""The compiled lookup hash equals ``hmac.new(key, text, sha256)`` (RFC 2104)."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from jiuzhu.adapters.hmac_kernel import hex_digests
from jiuzhu.services.batch.columns import text_blob


@settings(max_examples=200, deadline=None)
@given(
    key=st.binary(min_size=1, max_size=64),
    texts=st.lists(st.binary(min_size=0, max_size=55), min_size=1, max_size=20),
)
def test_same_digests_as_hmac(key: bytes, texts: list[bytes]) -> None:
    blob = np.frombuffer(b"".join(texts) + b"\0", np.uint8)
    off = np.zeros(len(texts) + 1, np.int64)
    off[1:] = np.cumsum([len(t) for t in texts])
    got = hex_digests(key, blob, off[:-1], off[1:])
    assert got is not None
    want = [hmac.new(key, t, hashlib.sha256).hexdigest() for t in texts]
    assert [bytes(r).decode() for r in got] == want


def test_the_cipher_lookup_hashes_agree() -> None:
    from jiuzhu.adapters.crypto import DataCipher

    c = DataCipher(b"\x07" * 32)
    certs = ["64010419900101001X", "110101200002291234", "640104196001010011"]
    blob, off = text_blob(certs)
    got = c.lookup_hashes_of_spans(blob, off[:-1], off[1:])
    assert [bytes(r).decode() for r in got] == c.lookup_hashes(certs)
    long = text_blob(["x" * 56])
    assert c.lookup_hashes_of_spans(long[0], long[1][:-1], long[1][1:]) is None
