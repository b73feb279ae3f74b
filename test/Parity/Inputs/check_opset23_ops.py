#!/usr/bin/env python3
"""Numerics of opset 23's RMSNormalization, RotaryEmbedding and Attention
in pp, forward and gradient, in float64 (numpy and ONNX only).

    check_opset23_ops.py --pp-opt PATH --pp-run PATH --work DIR

For each case, a one-node float64 model is built with onnx.helper and its
inputs drawn at random (fixed seed). Forward: `pp-opt --pp-export` and
`pp-run --infer --dump`; every output must match the ONNX specification's
formula, computed here with numpy, within 1e-10 of the output's scale.
Gradient: the node's first output times a fixed random tensor, summed, is
the loss (`pp-attach-loss kind=output`); `pp-run --gradcheck` compares
every float input's gradient with central differences. Prints one line
per case; exit status 1 on a mismatch.
"""

import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RTOL = 1e-10


# The specification's reference formulas (onnx/reference/ops).

def rms_normalization(x, scale, axis=-1, epsilon=1e-5):
    axes = tuple(range(axis % x.ndim, x.ndim))
    mean = np.mean(x * x, axis=axes, keepdims=True)
    return x / np.sqrt(mean + np.float64(np.float32(epsilon))) * scale


def rotary_embedding(x, cos, sin, position_ids=None, interleaved=0,
                     rotary_embedding_dim=0, num_heads=0):
    shape = x.shape
    if x.ndim == 4:
        x = np.transpose(x, (0, 2, 1, 3))
    else:
        b, s, hidden = x.shape
        x = x.reshape(b, s, num_heads, hidden // num_heads)
    head = x.shape[3]
    dim = rotary_embedding_dim or head
    rot, rest = x[..., :dim], x[..., dim:]
    half = dim // 2
    if position_ids is not None:
        cos, sin = cos[position_ids], sin[position_ids]
    cos = np.expand_dims(cos[..., :half], 2)
    sin = np.expand_dims(sin[..., :half], 2)
    if interleaved:
        x1, x2 = rot[..., 0::2], rot[..., 1::2]
    else:
        x1, x2 = rot[..., :half], rot[..., half:]
    real = cos * x1 - sin * x2
    imag = sin * x1 + cos * x2
    if interleaved:
        rot = np.stack([real, imag], axis=-1).reshape(rot.shape)
    else:
        rot = np.concatenate([real, imag], axis=-1)
    out = np.concatenate([rot, rest], axis=-1)
    if len(shape) == 3:
        return out.reshape(shape)
    return np.transpose(out, (0, 2, 1, 3))


def attention(q, k, v, mask=None, past_key=None, past_value=None,
              is_causal=0, q_num_heads=0, kv_num_heads=0, scale=None,
              softcap=0.0):
    three = q.ndim == 3

    def heads(t, n):
        b, s, hidden = t.shape
        return t.reshape(b, s, n, hidden // n).transpose(0, 2, 1, 3)
    if three:
        q, k, v = heads(q, q_num_heads), heads(k, kv_num_heads), \
            heads(v, kv_num_heads)
    past = 0
    if past_key is not None:
        past = past_key.shape[2]
        k = np.concatenate([past_key, k], axis=2)
        v = np.concatenate([past_value, v], axis=2)
    present_k, present_v = k, v
    group = q.shape[1] // k.shape[1]
    k, v = np.repeat(k, group, axis=1), np.repeat(v, group, axis=1)
    if scale is None:
        scale = 1 / np.sqrt(q.shape[3])
    scores = q @ np.swapaxes(k, 2, 3) * scale
    if mask is not None:
        scores = scores + (np.where(mask, 0.0, -np.inf)
                           if mask.dtype == bool else mask)
    if is_causal:
        ql, kl = scores.shape[-2:]
        allowed = np.arange(kl)[None, :] <= np.arange(ql)[:, None] + past
        scores = scores + np.where(allowed, 0.0, -np.inf)
    if softcap > 0:
        scores = softcap * np.tanh(scores / softcap)
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=-1, keepdims=True)
    y = weights @ v
    if three:
        b, h, s, d = y.shape
        y = y.transpose(0, 2, 1, 3).reshape(b, s, h * d)
    return y, present_k, present_v


def cases(rng):
    def r(*shape):
        return rng.standard_normal(shape)
    x, s = r(2, 3, 8), 1 + 0.1 * r(8)
    yield ("rms_normalization", "RMSNormalization", {"epsilon": 1e-3},
           [("X", x), ("scale", s)], rms_normalization(x, s, epsilon=1e-3))
    x, s = r(2, 3, 4, 5), 1 + 0.1 * r(4, 5)
    yield ("rms_normalization_axis", "RMSNormalization", {"axis": -2},
           [("X", x), ("scale", s)], rms_normalization(x, s, axis=-2))
    angles = r(16, 4)
    ids = rng.integers(0, 16, (2, 5)).astype(np.int64)
    x = r(2, 3, 5, 8)
    yield ("rotary_embedding", "RotaryEmbedding", {},
           [("X", x), ("cos", np.cos(angles)), ("sin", np.sin(angles)),
            ("position_ids", ids)],
           rotary_embedding(x, np.cos(angles), np.sin(angles), ids))
    angles = r(2, 5, 4)
    x = r(2, 5, 24)
    attrs = {"interleaved": 1, "rotary_embedding_dim": 6, "num_heads": 3}
    yield ("rotary_embedding_interleaved", "RotaryEmbedding", attrs,
           [("X", x), ("cos", np.cos(angles)), ("sin", np.sin(angles))],
           rotary_embedding(x, np.cos(angles), np.sin(angles), **attrs))
    q, k, v = r(2, 4, 5, 8), r(2, 2, 6, 8), r(2, 2, 6, 8)
    mask = rng.random((5, 6)) < 0.7
    mask[:, 0] = True
    yield ("attention_gqa_mask", "Attention", {},
           [("Q", q), ("K", k), ("V", v), ("mask", mask)],
           attention(q, k, v, mask)[0])
    q, k, v = r(2, 5, 12), r(2, 5, 12), r(2, 5, 12)
    attrs = {"is_causal": 1, "q_num_heads": 3, "kv_num_heads": 3,
             "scale": 0.5, "softcap": 3.0}
    yield ("attention_causal_3d", "Attention", attrs,
           [("Q", q), ("K", k), ("V", v)], attention(q, k, v, **attrs)[0])
    q, k, v = r(1, 2, 3, 4), r(1, 2, 3, 4), r(1, 2, 3, 4)
    pk, pv, bias = r(1, 2, 2, 4), r(1, 2, 2, 4), 0.3 * r(1, 2, 3, 5)
    yield ("attention_past_bias", "Attention", {"is_causal": 1},
           [("Q", q), ("K", k), ("V", v), ("mask", bias), ("past_key", pk),
            ("past_value", pv)],
           attention(q, k, v, bias, pk, pv, is_causal=1)[0])


def make_model(op, attrs, inputs, output_shape, with_loss, weight):
    values = [helper.make_tensor_value_info(
        name, helper.np_dtype_to_tensor_dtype(a.dtype)
        if hasattr(helper, "np_dtype_to_tensor_dtype")
        else onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[a.dtype], list(a.shape))
        for name, a in inputs]
    nodes = [helper.make_node(op, [n for n, _ in inputs], ["Y"], **attrs)]
    initializers = []
    if with_loss:
        initializers.append(numpy_helper.from_array(weight, "R"))
        nodes += [helper.make_node("Mul", ["Y", "R"], ["YR"]),
                  helper.make_node("ReduceSum", ["YR"], ["loss"],
                                   keepdims=0)]
        out = helper.make_tensor_value_info("loss", TensorProto.DOUBLE, [])
    else:
        out = helper.make_tensor_value_info("Y", TensorProto.DOUBLE,
                                            list(output_shape))
    graph = helper.make_graph(nodes, op, values, [out], initializers)
    model = helper.make_model(graph,
                              opset_imports=[helper.make_opsetid("", 23)])
    model.ir_version = 8
    return model


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit("%s exited with %d:\n%s" % (" ".join(cmd), result.returncode,
                                            result.stdout))
    return result.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pp-opt", default="pp-opt")
    ap.add_argument("--pp-run", default="pp-run")
    ap.add_argument("--work", required=True)
    args = ap.parse_args()
    rng = np.random.default_rng(5)
    ok = True
    for name, op, attrs, inputs, want in cases(rng):
        work = os.path.join(args.work, name)
        data = os.path.join(work, "data")
        os.makedirs(data, exist_ok=True)
        for input_name, a in inputs:
            with open(os.path.join(data, input_name + ".pb"), "wb") as f:
                f.write(numpy_helper.from_array(a, input_name)
                        .SerializeToString())
        # Forward.
        path = os.path.join(work, "forward.onnx")
        onnx.save(make_model(op, attrs, inputs, want.shape, False, None),
                  path)
        run([args.pp_opt, path, "--pp-export=" + os.path.join(work, "fwd"),
             "-o", os.devnull])
        dump = os.path.join(work, "dump")
        run([args.pp_run, os.path.join(work, "fwd"), "--infer", "--data",
             data, "--dump", dump])
        got = numpy_helper.to_array(onnx.load_tensor(
            os.path.join(dump, "outputs", "Y.pb")))
        scale = max(float(np.sqrt(np.mean(want ** 2))), 1e-300)
        error = float(np.max(np.abs(got - want) / np.maximum(np.abs(want),
                                                              scale))) \
            if got.shape == want.shape else float("inf")
        # Gradient.
        path = os.path.join(work, "loss.onnx")
        weight = rng.standard_normal(want.shape)
        onnx.save(make_model(op, attrs, inputs, want.shape, True, weight),
                  path)
        run([args.pp_opt, path, "--pp-attach-loss=kind=output",
             "--pp-autodiff", "--pp-export=" + os.path.join(work, "grad"),
             "-o", os.devnull])
        check = subprocess.run(
            [args.pp_run, os.path.join(work, "grad"), "--gradcheck", "--data",
             data, "--gradcheck-tol", "1e-6"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        passed = error <= RTOL and check.returncode == 0
        ok = ok and passed
        print("%s %s: forward error %.2g (limit %g), gradcheck %s"
              % ("ok  " if passed else "FAIL", name, error, RTOL,
                 "passed" if check.returncode == 0 else
                 "failed:\n" + check.stdout))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
