#!/usr/bin/env python3
"""Export the small example models used by pp-opt's ONNX importer tests.

Run with the system interpreter that has torch + onnx:

    /usr/bin/python3 examples/export_models.py [--out examples]

Writes, under --out:
  mlp.onnx, tiny_gpt.onnx, tiny_gpt_untied.onnx, tiny_resnet.onnx
  data/<model>/<input name>.pb and data/<model>/labels.pb (onnx TensorProto)

Everything is seeded, static-shaped, opset 17, exported in eval mode with
named inputs/outputs.  Re-running produces the same files.
"""

import argparse
import collections
import math
import os
import sys
import warnings

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

OPSET = 17
MAX_BYTES = 2 * 1024 * 1024


# ----------------------------------------------------------------------------
# Models
# ----------------------------------------------------------------------------


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(64, 128)
        self.act1 = nn.GELU()
        self.fc2 = nn.Linear(128, 128)
        self.act2 = nn.ReLU()
        self.fc3 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc3(self.act2(self.fc2(self.act1(self.fc1(x)))))


class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, n_heads, max_seq):
        super().__init__()
        assert d_model % n_heads == 0
        self.n_heads = n_heads
        self.head_dim = d_model // n_heads
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        mask = torch.tril(torch.ones(max_seq, max_seq, dtype=torch.bool))
        self.register_buffer("mask", mask.view(1, 1, max_seq, max_seq),
                             persistent=False)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        # [B, T, C] -> [B, H, T, D]
        q = q.reshape(b, t, self.n_heads, self.head_dim).transpose(1, 2)
        k = k.reshape(b, t, self.n_heads, self.head_dim).transpose(1, 2)
        v = v.reshape(b, t, self.n_heads, self.head_dim).transpose(1, 2)
        att = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        att = att.masked_fill(~self.mask[:, :, :t, :t], float("-inf"))
        att = F.softmax(att, dim=-1)
        y = torch.matmul(att, v)
        # [B, H, T, D] -> [B, T, C]
        y = y.transpose(1, 2).reshape(b, t, c)
        return self.proj(y)


class GPTMLP(nn.Module):
    def __init__(self, d_model):
        super().__init__()
        self.fc = nn.Linear(d_model, 4 * d_model)
        self.act = nn.GELU(approximate="tanh")
        self.proj = nn.Linear(4 * d_model, d_model)

    def forward(self, x):
        return self.proj(self.act(self.fc(x)))


class Block(nn.Module):
    def __init__(self, d_model, n_heads, max_seq):
        super().__init__()
        self.ln1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_heads, max_seq)
        self.ln2 = nn.LayerNorm(d_model)
        self.mlp = GPTMLP(d_model)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        x = x + self.mlp(self.ln2(x))
        return x


class TinyGPT(nn.Module):
    def __init__(self, vocab=128, d_model=64, n_heads=2, n_layers=2,
                 max_seq=16, tied=True):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab, d_model)
        self.pos_emb = nn.Embedding(max_seq, d_model)
        self.blocks = nn.ModuleList(
            [Block(d_model, n_heads, max_seq) for _ in range(n_layers)])
        self.ln_f = nn.LayerNorm(d_model)
        self.lm_head = nn.Linear(d_model, vocab, bias=False)
        if tied:
            self.lm_head.weight = self.tok_emb.weight
        pos = torch.arange(max_seq, dtype=torch.long).view(1, max_seq)
        self.register_buffer("pos", pos, persistent=False)

    def forward(self, input_ids):
        t = input_ids.shape[1]
        x = self.tok_emb(input_ids) + self.pos_emb(self.pos[:, :t])
        for block in self.blocks:
            x = block(x)
        return self.lm_head(self.ln_f(x))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride, bias=False),
                nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class TinyResNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(16, 16), BasicBlock(16, 16))
        self.layer2 = nn.Sequential(BasicBlock(16, 32, stride=2),
                                    BasicBlock(32, 32))
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(32, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(self.flatten(self.avgpool(x)))


def randomize_layernorm(model, gen):
    """Move LayerNorm affine params off their (1, 0) init.  Otherwise every
    LayerNorm has identical weight/bias values and torch 1.13's exporter
    deduplicates them into one initializer plus Identity nodes, which would
    make an importer tie the parameters of all LayerNorms together."""
    for m in model.modules():
        if isinstance(m, nn.LayerNorm):
            n = m.normalized_shape[0]
            with torch.no_grad():
                m.weight.copy_(1.0 + 0.1 * torch.randn(n, generator=gen))
                m.bias.copy_(0.1 * torch.randn(n, generator=gen))


def randomize_bn_stats(model, gen):
    """Give BatchNorm non-trivial (but deterministic) running stats and
    affine params so that the BN nodes are not identities."""
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            with torch.no_grad():
                m.running_mean.copy_(torch.randn(n, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=gen) * 0.5 + 0.75)
                m.weight.copy_(torch.rand(n, generator=gen) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(n, generator=gen) * 0.1)


# ----------------------------------------------------------------------------
# Export helpers
# ----------------------------------------------------------------------------


def export(model, args, path, input_names, output_names, training,
           constant_folding=True):
    """Exports `model` in eval mode. `constant_folding=False` keeps weights
    behind their graph ops: a tied LM head stays a Transpose of the token
    embedding (folding would give it a copy of its own) and Linear weights
    keep their module names instead of becoming `onnx::MatMul_N` copies."""
    model.eval()
    with torch.no_grad():
        torch.onnx.export(
            model, args, path,
            export_params=True,
            opset_version=OPSET,
            do_constant_folding=constant_folding,
            input_names=input_names,
            output_names=output_names,
            training=training,
        )


def summarize(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    ops = collections.Counter(n.op_type for n in model.graph.node)
    nparams = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    size = os.path.getsize(path)
    ops_s = ", ".join("%s:%d" % kv for kv in sorted(ops.items()))
    print("%s: %d nodes [%s]; %d initializer elements; %d bytes"
          % (os.path.basename(path), len(model.graph.node), ops_s, nparams,
             size))
    if size >= MAX_BYTES:
        sys.exit("error: %s is %d bytes (limit %d)" % (path, size, MAX_BYTES))
    return model, ops


def write_tensor(array, name, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    t = numpy_helper.from_array(np.ascontiguousarray(array), name=name)
    with open(path, "wb") as f:
        f.write(t.SerializeToString())


def check_outputs(model_path, feeds, expect):
    """Cross-check the ONNX file against torch with onnxruntime, if present."""
    try:
        import onnxruntime as ort  # noqa: F401
    except ImportError:
        return
    sess = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])
    got = sess.run(None, feeds)[0]
    err = float(np.max(np.abs(got - expect)))
    print("  onnxruntime max |diff| vs torch: %.3g" % err)
    assert err < 1e-4, err


# ----------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------


def main():
    global OPSET
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                    help="output directory (default: the examples/ directory)")
    ap.add_argument("--opset", type=int, default=OPSET,
                    help="ONNX opset to export (default %d; PyTorch 1.13 "
                         "exports 13 to 17)" % OPSET)
    opts = ap.parse_args()
    OPSET = opts.opset
    out = opts.out
    os.makedirs(out, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    # PRESERVE on an eval-mode module is exactly eval export; the warning
    # about constant folding only matters for modules in training mode.
    warnings.filterwarnings("ignore", message="It is recommended that constant folding")
    eval_mode = torch.onnx.TrainingMode.EVAL
    preserve = torch.onnx.TrainingMode.PRESERVE

    # ---- mlp -------------------------------------------------------------
    torch.manual_seed(0)
    mlp = MLP().eval()
    gen = torch.Generator().manual_seed(100)
    x = torch.randn(8, 64, generator=gen)
    labels = torch.randint(0, 10, (8,), generator=gen)
    path = os.path.join(out, "mlp.onnx")
    export(mlp, (x,), path, ["x"], ["logits"], eval_mode)
    summarize(path)
    write_tensor(x.numpy(), "x", os.path.join(out, "data/mlp/x.pb"))
    write_tensor(labels.numpy(), "labels",
                 os.path.join(out, "data/mlp/labels.pb"))
    with torch.no_grad():
        check_outputs(path, {"x": x.numpy()}, mlp(x).numpy())

    # ---- tiny_gpt (tied / untied) -----------------------------------------
    gen = torch.Generator().manual_seed(101)
    seq = torch.randint(0, 128, (2, 17), generator=gen)
    ids, labels = seq[:, :16].contiguous(), seq[:, 1:].contiguous()
    for name, tied in (("tiny_gpt", True), ("tiny_gpt_untied", False)):
        torch.manual_seed(1)
        gpt = TinyGPT(tied=tied)
        randomize_layernorm(gpt, torch.Generator().manual_seed(4))
        gpt.eval()
        path = os.path.join(out, name + ".onnx")
        export(gpt, (ids,), path, ["input_ids"], ["logits"], eval_mode,
               constant_folding=False)
        summarize(path)
        write_tensor(ids.numpy(), "input_ids",
                     os.path.join(out, "data", name, "input_ids.pb"))
        write_tensor(labels.numpy(), "labels",
                     os.path.join(out, "data", name, "labels.pb"))
        with torch.no_grad():
            check_outputs(path, {"input_ids": ids.numpy()}, gpt(ids).numpy())

    # ---- tiny_resnet -------------------------------------------------------
    torch.manual_seed(2)
    resnet = TinyResNet()
    randomize_bn_stats(resnet, torch.Generator().manual_seed(3))
    resnet.eval()
    gen = torch.Generator().manual_seed(102)
    x = torch.randn(2, 3, 32, 32, generator=gen)
    labels = torch.randint(0, 10, (2,), generator=gen)
    path = os.path.join(out, "tiny_resnet.onnx")
    # TrainingMode.EVAL fuses BatchNorm into the preceding Conv; PRESERVE
    # exports the (eval-mode) module as is, so BatchNormalization nodes stay
    # (training_mode=0, running stats as initializers).
    export(resnet, (x,), path, ["x"], ["logits"], preserve)
    _, ops = summarize(path)
    if ops.get("BatchNormalization", 0) == 0:
        sys.exit("error: BatchNormalization was fused away in " + path)
    write_tensor(x.numpy(), "x", os.path.join(out, "data/tiny_resnet/x.pb"))
    write_tensor(labels.numpy(), "labels",
                 os.path.join(out, "data/tiny_resnet/labels.pb"))
    with torch.no_grad():
        check_outputs(path, {"x": x.numpy()}, resnet(x).numpy())


if __name__ == "__main__":
    main()
