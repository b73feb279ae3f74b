"""Summaries of a training trajectory that can be committed, and their
comparison (numpy only).

A golden trajectory holds the loss of every step and, per initializer, two
numbers about its change over the steps: the change's Euclidean norm and its
projection on a unit direction that weight_formula draws from the
initializer's name. A change that differs by a relative error e from the
reference moves one or both by about e times the norm, whatever the tensor's
size, so the golden stays a few bytes per tensor.

The tolerance is check_exported_training.py's: RTOL relative to the size of
the reference change, the size floored at FLOOR times the weight's own rms
or the typical change of all tensors (a change far below them, such as a
conv bias's before a BatchNorm, whose exact gradient is zero, is rounding
noise).
"""

import math

import numpy as np

import weight_formula

RTOL = 2e-4
FLOOR = 1e-6


def direction(name, size):
    d = weight_formula.uniform(name + "#direction", size)
    return d / math.sqrt(float(np.dot(d, d))) if size else d


def summarise(name, change):
    change = np.asarray(change, dtype=np.float64).ravel()
    return {"size": int(change.size),
            "norm": math.sqrt(float(np.dot(change, change))),
            "projection": float(np.dot(change, direction(name,
                                                           change.size)))}


def rms(a):
    a = np.asarray(a, dtype=np.float64)
    return math.sqrt(float(np.mean(a * a))) if a.size else 0.0


def typical_change(summaries):
    """The rms of all changes together, from their summaries."""
    size = sum(s["size"] for s in summaries.values())
    return math.sqrt(sum(s["norm"] ** 2 for s in summaries.values())
                     / max(size, 1))


def loss_error(got, want):
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        return math.inf
    scale = max(rms(want), 1e-30)
    return float(np.max(np.abs(got - want) / np.maximum(np.abs(want),
                                                         scale)))


def change_error(name, got_change, want, weight, typical):
    """The relative error of a change against its golden summary."""
    got = summarise(name, got_change)
    if got["size"] != want["size"]:
        return math.inf
    floor = FLOOR * max(rms(weight), typical) * math.sqrt(want["size"])
    scale = max(want["norm"], floor, 1e-30)
    return max(abs(got["norm"] - want["norm"]),
               abs(got["projection"] - want["projection"])) / scale
