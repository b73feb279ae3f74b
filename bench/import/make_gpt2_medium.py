#!/usr/bin/env python3
"""Write a GPT-2-medium-shaped ONNX model with random weights, for benchmarking
pp-opt's ONNX import.

    /usr/bin/python3 bench/import/make_gpt2_medium.py --out bench/out/gpt2_medium.onnx

The graph is built directly with onnx.helper (no torch needed) and follows the
op pattern and node naming of a PyTorch 1.13 / HF transformers GPT-2 export
(opset 17, static shapes, constant folding on):

  /transformer/wte/Gather, /transformer/wpe/Gather, /transformer/Add
  per block N:  /transformer/h.N/ln_1/LayerNormalization
                /transformer/h.N/attn/c_attn/{MatMul,Add}   (or Reshape+Gemm+Reshape)
                /transformer/h.N/attn/Split, Reshape x3, Transpose x3
                /transformer/h.N/attn/MatMul, Div, Where (bool causal mask), Softmax,
                MatMul_1, Transpose_3, Reshape_3
                /transformer/h.N/attn/c_proj/{MatMul,Add}, /transformer/h.N/Add
                /transformer/h.N/ln_2/LayerNormalization
                /transformer/h.N/mlp/c_fc/{MatMul,Add}
                /transformer/h.N/mlp/act/{Mul,Pow,Mul_1,Add,Mul_2,Tanh,Add_1,Mul_3}
                /transformer/h.N/mlp/c_proj/{MatMul,Add}, /transformer/h.N/Add_1
  /transformer/ln_f/LayerNormalization, /lm_head/Transpose (tied) + /lm_head/MatMul

Input `input_ids` int64 [batch, seq]; output `logits` float32 [batch, seq, vocab].

The file is streamed to disk one initializer at a time (protobuf messages may be
concatenated field by field), so peak memory stays around the largest tensor
(the 50257x1024 embedding, ~200 MB) instead of several copies of the whole
model.  With --external-data the weights go to FILE.data (ONNX external data,
4 KiB-aligned offsets) and FILE itself is a few hundred KB.
"""

import argparse
import math
import os
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
ALIGN = 4096  # external-data offset alignment (mmap friendly)
EXTERNAL_THRESHOLD = 1024  # bytes; smaller tensors stay inline


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _len_key(field_number):
    return _varint((field_number << 3) | 2)  # wire type 2: length-delimited


_RAW_DATA = TensorProto.DESCRIPTOR.fields_by_name["raw_data"].number
_INITIALIZER = onnx.GraphProto.DESCRIPTOR.fields_by_name["initializer"].number
_GRAPH = onnx.ModelProto.DESCRIPTOR.fields_by_name["graph"].number


class Builder:
    """Collects nodes and initializer *specs*; weight data is produced only
    when the model is written."""

    def __init__(self, seed):
        self.nodes = []
        self.weights = []  # (name, shape, kind, std) in creation order
        self.small_inits = []  # TensorProto, fully materialized (masks etc.)
        self.names = set()
        self.rng = np.random.default_rng(seed)
        self.nparams = 0

    # -- graph construction ---------------------------------------------------
    def node(self, op, scope, inputs, n_out=1, **attrs):
        base = scope + "/" + op
        name, k = base, 0
        while name in self.names:
            k += 1
            name = "%s_%d" % (base, k)
        self.names.add(name)
        outs = ["%s_output_%d" % (name, i) for i in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=name, **attrs))
        return outs[0] if n_out == 1 else outs

    def const(self, scope, array):
        """A Constant node, like torch emits for shapes and scalars."""
        array = np.asarray(array)
        name = self.node("Constant", scope, [],
                         value=numpy_helper.from_array(array))
        return name

    def weight(self, name, shape, kind="normal", std=0.02):
        self.weights.append((name, tuple(shape), kind, std))
        self.nparams += int(np.prod(shape))
        return name

    def small(self, name, array):
        self.small_inits.append(numpy_helper.from_array(array, name=name))
        return name

    def make_data(self, shape, kind, std):
        if kind == "normal":
            a = self.rng.standard_normal(shape, dtype=np.float32)
            a *= np.float32(std)
        elif kind == "ones":  # LayerNorm gamma: around 1
            a = self.rng.standard_normal(shape, dtype=np.float32)
            a *= np.float32(std)
            a += np.float32(1.0)
        else:
            raise ValueError(kind)
        return a


def build(args, b):
    B, T, C, H, V, L = (args.batch, args.seq, args.d_model, args.heads,
                        args.vocab, args.layers)
    if C % H:
        sys.exit("--d-model must be divisible by --heads")
    D = C // H
    P = args.scope_prefix  # "/transformer"
    W = P.strip("/").replace("/", ".")  # "transformer"
    wp = (W + ".") if W else ""

    def linear(scope, pname, x, n_in, n_out):
        w = b.weight(pname + ".weight", (n_in, n_out))
        bias = b.weight(pname + ".bias", (n_out,), std=0.01)
        if args.linear == "gemm":  # HF Conv1D: addmm on a 2-D view
            x2 = b.node("Reshape", scope, [x, b.const(scope, np.array([B * T, n_in], np.int64))],
                        allowzero=0)
            y2 = b.node("Gemm", scope, [x2, w, bias], alpha=1.0, beta=1.0)
            return b.node("Reshape", scope, [y2, b.const(scope, np.array([B, T, n_out], np.int64))],
                          allowzero=0)
        mm = b.node("MatMul", scope, [x, w])
        return b.node("Add", scope, [bias, mm])

    def layernorm(scope, pname, x):
        g = b.weight(pname + ".weight", (C,), kind="ones", std=0.02)
        beta = b.weight(pname + ".bias", (C,), std=0.01)
        return b.node("LayerNormalization", scope, [x, g, beta], axis=-1,
                      epsilon=1e-5)

    def gelu(scope, x):
        if args.gelu == "erf":
            d = b.node("Div", scope, [x, b.const(scope, np.array(math.sqrt(2.0), np.float32))])
            e = b.node("Erf", scope, [d])
            a = b.node("Add", scope, [e, b.const(scope, np.array(1.0, np.float32))])
            m = b.node("Mul", scope, [x, a])
            return b.node("Mul", scope, [m, b.const(scope, np.array(0.5, np.float32))])
        # HF NewGELUActivation:
        # 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
        half = b.node("Mul", scope, [b.const(scope, np.array(0.5, np.float32)), x])
        p = b.node("Pow", scope, [x, b.const(scope, np.array(3.0, np.float32))])
        c = b.node("Mul", scope, [b.const(scope, np.array(0.044715, np.float32)), p])
        s = b.node("Add", scope, [x, c])
        k = b.node("Mul", scope, [b.const(scope, np.array(math.sqrt(2.0 / math.pi), np.float32)), s])
        t = b.node("Tanh", scope, [k])
        one = b.node("Add", scope, [b.const(scope, np.array(1.0, np.float32)), t])
        return b.node("Mul", scope, [half, one])

    # Causal mask, as the folded HF `bias` buffer slice: bool [1,1,T,T],
    # True = may attend.  One shared initializer for all layers.
    mask = b.small(wp + "causal_mask",
                   np.tril(np.ones((T, T), dtype=bool)).reshape(1, 1, T, T))
    neg = np.array(np.finfo(np.float32).min, np.float32)

    wte = b.weight(wp + "wte.weight", (V, C))
    wpe = b.weight(wp + "wpe.weight", (T, C), std=0.01)
    tok = b.node("Gather", P + "/wte", [wte, "input_ids"])
    pos_ids = b.const(P, np.arange(T, dtype=np.int64).reshape(1, T))
    pos = b.node("Gather", P + "/wpe", [wpe, pos_ids])
    h = b.node("Add", P, [tok, pos])

    for i in range(L):
        s = "%s/h.%d" % (P, i)
        pn = "%sh.%d" % (wp, i)
        a = layernorm(s + "/ln_1", pn + ".ln_1", h)
        qkv = linear(s + "/attn/c_attn", pn + ".attn.c_attn", a, C, 3 * C)
        q, k, v = b.node("Split", s + "/attn",
                         [qkv, b.const(s + "/attn", np.array([C, C, C], np.int64))],
                         n_out=3, axis=2)
        heads = []
        for t, perm in ((q, [0, 2, 1, 3]), (k, [0, 2, 3, 1]), (v, [0, 2, 1, 3])):
            r = b.node("Reshape", s + "/attn",
                       [t, b.const(s + "/attn", np.array([B, T, H, D], np.int64))],
                       allowzero=0)
            heads.append(b.node("Transpose", s + "/attn", [r], perm=perm))
        qh, kt, vh = heads
        sc = b.node("MatMul", s + "/attn", [qh, kt])
        sc = b.node("Div", s + "/attn",
                    [sc, b.const(s + "/attn", np.array(math.sqrt(D), np.float32))])
        sc = b.node("Where", s + "/attn", [mask, sc, b.const(s + "/attn", neg)])
        pr = b.node("Softmax", s + "/attn", [sc], axis=-1)
        o = b.node("MatMul", s + "/attn", [pr, vh])
        o = b.node("Transpose", s + "/attn", [o], perm=[0, 2, 1, 3])
        o = b.node("Reshape", s + "/attn",
                   [o, b.const(s + "/attn", np.array([B, T, C], np.int64))],
                   allowzero=0)
        o = linear(s + "/attn/c_proj", pn + ".attn.c_proj", o, C, C)
        h = b.node("Add", s, [h, o])
        m = layernorm(s + "/ln_2", pn + ".ln_2", h)
        m = linear(s + "/mlp/c_fc", pn + ".mlp.c_fc", m, C, 4 * C)
        m = gelu(s + "/mlp/act", m)
        m = linear(s + "/mlp/c_proj", pn + ".mlp.c_proj", m, 4 * C, C)
        h = b.node("Add", s, [h, m])

    h = layernorm(P + "/ln_f", wp + "ln_f", h)
    if args.untied_head:
        # What torch's constant folding makes of a tied or untied nn.Linear
        # head: a separate, pre-transposed [C, V] initializer.
        head = b.weight("onnx::MatMul_lm_head", (C, V))
    else:
        head = b.node("Transpose", "/lm_head", [wte], perm=[1, 0])
    logits = b.node("MatMul", "/lm_head", [h, head])
    b.nodes[-1].output[0] = "logits"

    graph = helper.make_graph(
        b.nodes, "main_graph",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, [B, T])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [B, T, V])],
        initializer=b.small_inits)
    model = helper.make_model(graph, producer_name="pp make_gpt2_medium.py",
                              producer_version="1",
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    return model


def write_model(model, b, path, external):
    if sys.byteorder != "little":
        sys.exit("raw_data must be little-endian")
    header = onnx.ModelProto()
    header.CopyFrom(model)
    header.ClearField("graph")
    header_bytes = header.SerializeToString()
    graph_bytes = model.graph.SerializeToString()

    data_path = path + ".data"
    data_name = os.path.basename(data_path)
    if os.path.exists(data_path):
        os.remove(data_path)

    # Per-weight tensor "shells" (everything but the data), in order.
    shells = []
    data_off = 0
    for name, shape, kind, std in b.weights:
        t = TensorProto()
        t.name = name
        t.data_type = TensorProto.FLOAT
        t.dims.extend(shape)
        nbytes = 4 * int(np.prod(shape))
        if external and nbytes >= EXTERNAL_THRESHOLD:
            data_off = (data_off + ALIGN - 1) // ALIGN * ALIGN
            t.data_location = TensorProto.EXTERNAL
            for k, v in (("location", data_name), ("offset", str(data_off)),
                         ("length", str(nbytes))):
                e = t.external_data.add()
                e.key, e.value = k, v
            shells.append((t.SerializeToString(), nbytes, data_off))
            data_off += nbytes
        else:
            shells.append((t.SerializeToString(), nbytes, None))

    def inline_record_len(shell, nbytes):
        body = len(shell) + len(_len_key(_RAW_DATA)) + len(_varint(nbytes)) + nbytes
        return body

    graph_len = len(graph_bytes)
    for shell, nbytes, off in shells:
        body = len(shell) if off is not None else inline_record_len(shell, nbytes)
        graph_len += len(_len_key(_INITIALIZER)) + len(_varint(body)) + body

    dataf = open(data_path, "wb") if external else None
    with open(path, "wb") as f:
        f.write(header_bytes)
        f.write(_len_key(_GRAPH))
        f.write(_varint(graph_len))
        f.write(graph_bytes)
        for (shell, nbytes, off), (_, shape, kind, std) in zip(shells, b.weights):
            a = b.make_data(shape, kind, std)
            assert a.nbytes == nbytes and a.flags.c_contiguous
            if off is not None:
                dataf.seek(off)
                dataf.write(memoryview(a).cast("B"))
                body = len(shell)
                f.write(_len_key(_INITIALIZER) + _varint(body) + shell)
            else:
                body = inline_record_len(shell, nbytes)
                f.write(_len_key(_INITIALIZER) + _varint(body) + shell)
                f.write(_len_key(_RAW_DATA) + _varint(nbytes))
                f.write(memoryview(a).cast("B"))
            del a
    if dataf:
        dataf.close()
    return data_path if external else None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output .onnx path")
    ap.add_argument("--layers", type=int, default=24)
    ap.add_argument("--d-model", type=int, default=1024)
    ap.add_argument("--heads", type=int, default=16)
    ap.add_argument("--vocab", type=int, default=50257)
    ap.add_argument("--seq", type=int, default=1024)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--external-data", action="store_true",
                    help="write weights to OUT.data (ONNX external data)")
    ap.add_argument("--linear", choices=["matmul", "gemm"], default="matmul",
                    help="matmul: 3-D MatMul+Add (default); gemm: Reshape, "
                         "Gemm, Reshape like HF Conv1D's addmm")
    ap.add_argument("--gelu", choices=["tanh", "erf"], default="tanh",
                    help="tanh: HF NewGELU Mul/Pow/Tanh pattern (default); "
                         "erf: nn.GELU() Div/Erf/Add/Mul pattern")
    ap.add_argument("--untied-head", action="store_true",
                    help="separate pre-transposed [d_model, vocab] LM head "
                         "initializer instead of Transpose(wte)")
    ap.add_argument("--scope-prefix", default="/transformer",
                    help="node-name scope of the transformer body "
                         "(default /transformer, as in HF GPT2LMHeadModel)")
    ap.add_argument("--check", action="store_true",
                    help="run onnx.checker on the written file")
    args = ap.parse_args()

    t0 = time.time()
    b = Builder(args.seed)
    model = build(args, b)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    data_path = write_model(model, b, args.out, args.external_data)
    t1 = time.time()
    size = os.path.getsize(args.out)
    msg = "%s: %d nodes, %d initializers, %d float32 parameters, %d bytes" % (
        args.out, len(model.graph.node), len(b.weights) + len(b.small_inits),
        b.nparams, size)
    if data_path:
        msg += " + %s %d bytes" % (data_path, os.path.getsize(data_path))
    print(msg + ", written in %.1f s" % (t1 - t0))
    if args.check:
        onnx.checker.check_model(args.out)
        print("onnx.checker: ok (%.1f s)" % (time.time() - t1))


if __name__ == "__main__":
    main()
