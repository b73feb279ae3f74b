"""Weights that anyone can recompute without PyTorch.

The models exported by current PyTorch (export_current_pytorch.py) are
committed as graphs; their parameters are not stored but set, before the
export, to values of this formula, which the test recomputes
(check_current_pytorch.py). A tensor's values are

    offset + scale * u(seed, i),    i = 0, 1, ... in row-major order,

with u(seed, i) in [-1, 1) from SplitMix64, a counter-based generator of
integer operations only: seed is the FNV-1a hash of the parameter's name,
z = seed + (i + 1) * 0x9E3779B97F4A7C15 (mod 2^64) goes through SplitMix64's
mixer, and u = (z >> 11) * 2^-53 * 2 - 1, exact in float64. The two float
operations after it are exactly rounded IEEE operations, so every machine
computes the same bits.
"""

import numpy as np

GAMMA = 0x9E3779B97F4A7C15
MUL1 = 0xBF58476D1CE4E5B9
MUL2 = 0x94D049BB133111EB


def seed_of(text):
    """FNV-1a, 64 bits, of the UTF-8 bytes of text."""
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def uniform(seed_text, count):
    """count values in [-1, 1), the same bits on every machine."""
    with np.errstate(over="ignore"):
        i = np.arange(1, count + 1, dtype=np.uint64)
        z = np.uint64(seed_of(seed_text)) + i * np.uint64(GAMMA)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(MUL1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(MUL2)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -52 - 1.0


def values(seed_text, offset, scale, shape, dtype=np.float64):
    """The tensor the formula gives, in dtype (float64 is exact; a float32
    tensor is the float64 value rounded once)."""
    count = int(np.prod(shape, dtype=np.int64))
    u = uniform(seed_text, count)
    out = np.float64(offset) + np.float64(scale) * u
    return out.astype(dtype).reshape(shape)
