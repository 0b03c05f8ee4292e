"""HMAC-SHA-256 (RFC 2104, FIPS 180-4) of many short texts at once, compiled: the keyed
lookup hash of a million ID numbers for the monthly list comparison.

The same digests as ``hmac.new(key, text, hashlib.sha256)`` (tests/unit/test_hmac_kernel.py
compares them); texts of at most 55 bytes (an ID number is 18), each one block. The key
never leaves ``DataCipher``: it passes the two padded key blocks, not the key.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

os.environ.setdefault(
    "NUMBA_CACHE_DIR",
    str(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "jiuzhu" / "numba"),
)  # the batch engine's cache folder (services/batch/_jit.py)

import numba  # noqa: E402

njit = numba.njit(cache=True, nogil=True, boundscheck=False)

MAX_TEXT = 55
_K = np.array([
    0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4, 0xAB1C5ED5,
    0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE, 0x9BDC06A7, 0xC19BF174,
    0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F, 0x4A7484AA, 0x5CB0A9DC, 0x76F988DA,
    0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7, 0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967,
    0x27B70A85, 0x2E1B2138, 0x4D2C6DFC, 0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85,
    0xA2BFE8A1, 0xA81A664B, 0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070,
    0x19A4C116, 0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
    0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7, 0xC67178F2,
], np.int64)  # fmt: skip
_IV = np.array([0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
                0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19], np.int64)  # fmt: skip
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


M32 = 0xFFFFFFFF


@njit
def _rotr(x, n):  # type: ignore[no-untyped-def]
    """Rotate right within 32 bits (``x`` < 2³², held in 64-bit integers: numba widens
    small integers, so every sum is cut back to 32 bits by hand)."""
    return ((x >> n) | (x << (32 - n))) & M32


@njit
def _compress(state, block, w, k):  # type: ignore[no-untyped-def]
    """One SHA-256 block (64 bytes) into ``state`` (8 words, int64 < 2³²)."""
    for t in range(16):
        w[t] = (
            (np.int64(block[4 * t]) << 24)
            | (np.int64(block[4 * t + 1]) << 16)
            | (np.int64(block[4 * t + 2]) << 8)
            | np.int64(block[4 * t + 3])
        )
    for t in range(16, 64):
        x = w[t - 15]
        y = w[t - 2]
        s0 = _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> 3)
        s1 = _rotr(y, 17) ^ _rotr(y, 19) ^ (y >> 10)
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) & M32
    a, b, c, d = state[0], state[1], state[2], state[3]
    e, f, g, h = state[4], state[5], state[6], state[7]
    for t in range(64):
        s1 = _rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)
        ch = (e & f) ^ ((e ^ M32) & g)
        t1 = (h + s1 + ch + k[t] + w[t]) & M32
        s0 = _rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)
        maj = (a & b) ^ (a & c) ^ (b & c)
        t2 = (s0 + maj) & M32
        h = g
        g = f
        f = e
        e = (d + t1) & M32
        d = c
        c = b
        b = a
        a = (t1 + t2) & M32
    state[0] = (state[0] + a) & M32
    state[1] = (state[1] + b) & M32
    state[2] = (state[2] + c) & M32
    state[3] = (state[3] + d) & M32
    state[4] = (state[4] + e) & M32
    state[5] = (state[5] + f) & M32
    state[6] = (state[6] + g) & M32
    state[7] = (state[7] + h) & M32


@njit
def _digest_block(state, block):  # type: ignore[no-untyped-def]
    for t in range(8):
        v = state[t]
        block[4 * t] = (v >> 24) & 255
        block[4 * t + 1] = (v >> 16) & 255
        block[4 * t + 2] = (v >> 8) & 255
        block[4 * t + 3] = v & 255


@njit
def hmac_hex(inner_key, outer_key, buf, starts, ends, iv, k, hexd, out):  # type: ignore[no-untyped-def]
    """``out[i, :64]``: the hex HMAC-SHA-256 of ``buf[starts[i]:ends[i]]`` under the key
    whose padded blocks are ``inner_key`` (key ^ 0x36…) and ``outer_key`` (key ^ 0x5c…).
    Returns the first text longer than one block allows, or -1."""
    w = np.empty(64, np.int64)
    s_in = iv.copy()
    _compress(s_in, inner_key, w, k)
    s_out = iv.copy()
    _compress(s_out, outer_key, w, k)
    block = np.zeros(64, np.uint8)
    state = np.empty(8, np.int64)
    for i in range(starts.shape[0]):
        n = ends[i] - starts[i]
        if n > 55:
            return i
        for t in range(64):
            block[t] = 0
        for t in range(n):
            block[t] = buf[starts[i] + t]
        block[n] = 0x80
        bits = (64 + n) * 8
        block[62] = (bits >> 8) & 255
        block[63] = bits & 255
        state[:] = s_in
        _compress(state, block, w, k)
        for t in range(64):
            block[t] = 0
        _digest_block(state, block)
        block[32] = 0x80
        block[62] = (96 * 8) >> 8
        block[63] = (96 * 8) & 255
        state[:] = s_out
        _compress(state, block, w, k)
        for t in range(8):
            v = state[t]
            for q in range(8):
                out[i, 8 * t + q] = hexd[(v >> (28 - 4 * q)) & 15]
    return -1


def hex_digests(
    key: bytes, buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, threads: int = 2
) -> np.ndarray | None:
    """The hex digests (``uint8[n, 64]``), or None when a text is longer than 55 bytes.
    A large batch is cut into ``threads`` parts hashed at once (the kernel frees the GIL)."""
    from concurrent.futures import ThreadPoolExecutor

    block = np.frombuffer(key.ljust(64, b"\0"), np.uint8)
    inner, outer = block ^ 0x36, block ^ 0x5C
    n = int(starts.shape[0])
    out = np.empty((n, 64), np.uint8)
    parts = max(1, min(threads, n // 50_000))
    cuts = [n * k // parts for k in range(parts + 1)]

    def run(a: int, b: int) -> int:
        return int(hmac_hex(inner, outer, buf, starts[a:b], ends[a:b], _IV, _K, _HEX, out[a:b]))

    if parts == 1:
        bad = [run(0, n)]
    else:
        with ThreadPoolExecutor(max_workers=parts) as pool:
            bad = list(pool.map(run, cuts[:-1], cuts[1:]))
    return None if any(b >= 0 for b in bad) else out
