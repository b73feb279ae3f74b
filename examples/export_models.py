#!/usr/bin/env python3
"""Export the small example models used by pp-opt's ONNX importer tests.

Run with the system interpreter that has torch + onnx:

    /usr/bin/python3 examples/export_models.py [--out examples]

Writes, under --out:
  mlp.onnx, tiny_gpt.onnx, tiny_gpt_untied.onnx, tiny_resnet.onnx
  data/<model>/<input name>.pb and data/<model>/labels.pb (onnx TensorProto)
  data/<model>/golden/: one training step of PyTorch on that batch, the
    reference of pp's parity tests (layout in examples/README.md)
  data/tiny_gpt_m4/: a batch of 4 microbatches for the tiny GPT (the
    quickstart's pipelined run)

Everything is seeded, static-shaped, opset 17, exported in eval mode with
named inputs/outputs.  Re-running produces the same files.
"""

import argparse
import collections
import copy
import json
import math
import os
import re
import shutil
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
        self.init_gpt2(n_layers)

    def init_gpt2(self, n_layers):
        """GPT-2's initialisation: weights of the linear layers and the
        embeddings from N(0, 0.02), the projections back into the residual
        stream from N(0, 0.02 / sqrt(2 * n_layers)), so that the first
        loss is near ln(vocab) (PyTorch's defaults give the tied embedding
        unit variance and a first loss of about 43). Biases keep PyTorch's
        random defaults: equal-valued initializers would be merged by the
        exporter (see randomize_layernorm)."""
        gen = torch.Generator().manual_seed(5)
        with torch.no_grad():
            for name, module in self.named_modules():
                if isinstance(module, (nn.Linear, nn.Embedding)):
                    std = 0.02
                    if name.endswith(".proj"):
                        std /= math.sqrt(2 * n_layers)
                    module.weight.copy_(torch.randn(
                        module.weight.shape, generator=gen) * std)

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
    # np.ascontiguousarray would turn a 0-d array (the loss) into 1-d.
    t = numpy_helper.from_array(np.require(array, requirements="C"),
                                name=name)
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
# The example models with their inputs
# ----------------------------------------------------------------------------


# Each builder makes the model and a batch of `microbatches` microbatches of
# the exported (static) batch size, stacked along axis 0; the data of one
# microbatch is the example batch. The data generator is seeded apart from
# the model, so the model is the same whatever `microbatches` is.


def build_mlp(microbatches=1, offset=0):
    torch.manual_seed(0)
    mlp = MLP()
    gen = torch.Generator().manual_seed(100 + 1000 * (microbatches - 1)
                                        + offset)
    x = torch.randn(8 * microbatches, 64, generator=gen)
    labels = torch.randint(0, 10, (8 * microbatches,), generator=gen)
    return mlp, {"x": x}, labels


def build_gpt(tied, microbatches=1, offset=0):
    gen = torch.Generator().manual_seed(101 + 1000 * (microbatches - 1)
                                        + offset)
    seq = torch.randint(0, 128, (2 * microbatches, 17), generator=gen)
    ids, labels = seq[:, :16].contiguous(), seq[:, 1:].contiguous()
    torch.manual_seed(1)
    gpt = TinyGPT(tied=tied)
    randomize_layernorm(gpt, torch.Generator().manual_seed(4))
    return gpt, {"input_ids": ids}, labels


def build_resnet(microbatches=1, offset=0):
    torch.manual_seed(2)
    resnet = TinyResNet()
    randomize_bn_stats(resnet, torch.Generator().manual_seed(3))
    gen = torch.Generator().manual_seed(102 + 1000 * (microbatches - 1)
                                        + offset)
    x = torch.randn(2 * microbatches, 3, 32, 32, generator=gen)
    labels = torch.randint(0, 10, (2 * microbatches,), generator=gen)
    return resnet, {"x": x}, labels


# name -> (builder, export constant folding, export training mode name).
# The GPTs keep their weights behind graph ops (see export()); the ResNet is
# exported with TrainingMode.PRESERVE on the eval-mode module, because
# TrainingMode.EVAL would fold every BatchNorm into its Conv.
MODELS = collections.OrderedDict([
    ("mlp", (build_mlp, True, "EVAL")),
    ("tiny_gpt", (lambda m=1, k=0: build_gpt(True, m, k), False, "EVAL")),
    ("tiny_gpt_untied", (lambda m=1, k=0: build_gpt(False, m, k), False,
                         "EVAL")),
    ("tiny_resnet", (build_resnet, True, "PRESERVE")),
])


# Data away from the kinks. pp trains in float32 and the golden step is
# PyTorch's in float64. Where a ReLU's input lies within float32's error of
# 0, or the two largest values of a max-pool window that close together,
# pp's forward can take the other branch than the golden's, and every
# gradient upstream of it moves by percents: a test that passes or fails by
# which BLAS kernels ran. (The tiny ResNet on 8 microbatches did: 1.8e-6 from
# a ReLU's kink, pp with OpenBLAS's AVX2 kernels off by 5% in the stem's
# gradients, with its SSE3 kernels within tolerance.) A data set's seed is
# therefore the first of base + k, k = 0, 1, ..., whose microbatches keep
# every kink at least KINK_MARGIN away in the float64 forward (train mode);
# KINK_OFFSETS lists the k found, so that making a data set costs one check,
# and a batch size not listed is searched for.
KINK_MARGIN = 1e-5
KINK_SEARCH_LIMIT = 5000
KINK_OFFSETS = {("mlp", 1): 0, ("mlp", 3): 0, ("mlp", 8): 0,
                ("tiny_resnet", 1): 0, ("tiny_resnet", 3): 7,
                ("tiny_resnet", 8): 55}


def kink_margin(model, inputs, microbatches):
    """The distance of the nearest kink (ReLU input from 0; the largest
    value of a max-pool window holding a positive one from the second
    largest) over the float64 forward of every microbatch; inf if none."""
    model = copy.deepcopy(model).double().train()
    margins = [math.inf]

    def relu(_, args):
        margins.append(args[0].abs().min().item())

    def max_pool(module, args):
        k, s, p = module.kernel_size, module.stride, module.padding
        padded = F.pad(args[0], (p, p, p, p), value=-math.inf)
        n, c = args[0].shape[:2]
        windows = F.unfold(padded, k, stride=s).view(n, c, k * k, -1)
        top = windows.topk(2, dim=2).values
        gaps = (top[:, :, 0] - top[:, :, 1])[top[:, :, 0] > 0]
        if gaps.numel():
            margins.append(gaps.min().item())

    hooks = {nn.ReLU: relu, nn.MaxPool2d: max_pool}
    for module in model.modules():
        if type(module) in hooks:
            module.register_forward_pre_hook(hooks[type(module)])
    feeds = [t.double() if t.is_floating_point() else t
             for t in inputs.values()]
    with torch.no_grad():
        for feed in zip(*[f.chunk(microbatches) for f in feeds]):
            model(*feed)
    return min(margins)


def build_away_from_kinks(name, build, microbatches):
    """build(microbatches, k) with the data seed offset k of KINK_OFFSETS,
    or the first k whose data keeps KINK_MARGIN from every kink."""
    known = KINK_OFFSETS.get((name, microbatches))
    for k in ([known] if known is not None else range(KINK_SEARCH_LIMIT)):
        model, inputs, labels = build(microbatches, k)
        margin = kink_margin(model, inputs, microbatches)
        if margin >= KINK_MARGIN:
            if known is None and margin < math.inf:
                print("%s: %d microbatches: data seed offset %d keeps %.3g "
                      "from every kink (add (%r, %d): %d to KINK_OFFSETS)"
                      % (name, microbatches, k, margin, name, microbatches,
                         k))
            return model, inputs, labels
    if known is not None:
        sys.exit("error: %s: the data of %d microbatches (seed offset %d) "
                 "comes %.3g from a kink, under KINK_MARGIN %.3g: remove "
                 "its entry from KINK_OFFSETS to search again"
                 % (name, microbatches, known, margin, KINK_MARGIN))
    sys.exit("error: %s: no data seed of %d microbatches within %d tries "
             "keeps %.3g from every kink" % (name, microbatches,
                                              KINK_SEARCH_LIMIT, KINK_MARGIN))


# ----------------------------------------------------------------------------
# Golden training step (what pp's parity tests compare against)
# ----------------------------------------------------------------------------

# Optimizer settings of the golden updates, named as pp-run's options.
SGD = collections.OrderedDict([
    ("lr", 0.1), ("momentum", 0.9), ("weight_decay", 0.01),
    ("dampening", 0.0), ("nesterov", False)])
ADAMW = collections.OrderedDict([
    ("lr", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("eps", 1e-8),
    ("weight_decay", 0.01), ("amsgrad", False)])

# (directory, optimizer, steps): the weights after `steps` optimizer steps on
# the example batch. One step leaves SGD's momentum and Adam's moment
# estimates without effect (the first step's buffers are the gradient
# itself), so the MLP also has two-step updates, which exercise them.
UPDATES = [("sgd", "sgd", 1), ("adamw", "adamw", 1)]
UPDATES_MLP = UPDATES + [("sgd_2steps", "sgd", 2),
                         ("adamw_2steps", "adamw", 2)]

# BatchNorm buffers that ONNX carries as initializers (num_batches_tracked
# is not exported: with a fixed momentum it plays no part).
STATE_SUFFIXES = (".running_mean", ".running_var")


def make_optimizer(kind, params):
    if kind == "sgd":
        return torch.optim.SGD(params, lr=SGD["lr"], momentum=SGD["momentum"],
                               dampening=SGD["dampening"],
                               weight_decay=SGD["weight_decay"],
                               nesterov=SGD["nesterov"])
    if kind == "adamw":
        return torch.optim.AdamW(params, lr=ADAMW["lr"],
                                 betas=(ADAMW["beta1"], ADAMW["beta2"]),
                                 eps=ADAMW["eps"],
                                 weight_decay=ADAMW["weight_decay"],
                                 amsgrad=ADAMW["amsgrad"])
    raise ValueError("unknown optimizer '%s'" % kind)


def reference_step(model, inputs, labels, dtype, optimizer=None, steps=1,
                   microbatches=1):
    """Trains a copy of `model` in `dtype` and train mode (BatchNorm with the
    batch's statistics) for `steps` steps on one batch: F.cross_entropy of
    output 0 (classes on the last axis) against `labels`, then, if
    `optimizer` is "sgd" or "adamw", an optimizer step. With `microbatches`
    > 1 the batch is cut along axis 0 and the gradients accumulate over the
    microbatches (each loss divided by their count; BatchNorm normalises
    each with its own statistics and updates its running ones once per
    microbatch), which is what a pipeline computes. Returns numpy arrays:
    {"loss" (the mean of the microbatches'), "grads": {param: first step's
    gradient}, "params": {param: after the last step}, "state": {buffer:
    running statistics at the end}}. Parameter names are the module's, tied
    ones once (named_parameters)."""
    model = copy.deepcopy(model).to(dtype).train()
    feeds = [t.to(dtype) if t.is_floating_point() else t
             for t in inputs.values()]
    params = collections.OrderedDict(model.named_parameters())
    opt = make_optimizer(optimizer, params.values()) if optimizer else None
    result = {}
    for step in range(steps):
        model.zero_grad(set_to_none=True)
        loss = 0
        for feed, label in zip(
                zip(*[f.chunk(microbatches) for f in feeds]),
                labels.chunk(microbatches)):
            logits = model(*feed)
            part = F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                   label.reshape(-1)) / microbatches
            part.backward()
            loss = loss + part.detach()
        if step == 0:
            result["loss"] = loss.detach().numpy().copy()
            result["grads"] = {n: p.grad.detach().numpy().copy()
                               for n, p in params.items()}
        if opt:
            opt.step()
    result["params"] = {n: p.detach().numpy().copy()
                        for n, p in params.items()}
    result["state"] = {n: b.detach().numpy().copy()
                       for n, b in model.named_buffers()
                       if n.endswith(STATE_SUFFIXES)}
    return result


def file_safe(name):
    """A file name for tensor `name`: characters other than letters, digits,
    '.', '_' and '-' become '_'. The tensor's own name stays in the file."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def write_tensors(tensors, directory):
    seen = {}
    for name in sorted(tensors):
        fname = file_safe(name)
        if fname in seen:
            sys.exit("error: tensors '%s' and '%s' map to the same file name "
                     "%s" % (seen[fname], name, fname))
        seen[fname] = name
        write_tensor(tensors[name].astype(np.float32), name,
                     os.path.join(directory, fname + ".pb"))


def write_golden(name, model, inputs, labels, onnx_path, golden_dir,
                 updates, microbatches=1):
    """Writes the golden training step of `model` under `golden_dir`, with
    every tensor named by its ONNX initializer. The reference runs in
    float64 and is rounded to float32 once, so that it holds pp's float32
    error only, not PyTorch's as well."""
    graph = onnx.load(onnx_path).graph
    initializers = {t.name for t in graph.initializer}
    step = reference_step(model, inputs, labels, torch.float64,
                          microbatches=microbatches)
    trainable, state = set(step["grads"]), set(step["state"])
    for what, names in (("parameter", trainable), ("BatchNorm state", state)):
        missing = sorted(names - initializers)
        if missing:
            sys.exit("error: %s: %s %s not among the ONNX initializers of %s"
                     % (name, what, ", ".join(missing), onnx_path))
    unknown = sorted(initializers - trainable - state)
    if unknown:
        sys.exit("error: %s: ONNX initializers %s are neither a parameter "
                 "nor BatchNorm state of the module" % (name,
                                                        ", ".join(unknown)))

    if os.path.isdir(golden_dir):
        shutil.rmtree(golden_dir)
    write_tensor(step["loss"].astype(np.float32), "loss",
                 os.path.join(golden_dir, "loss.pb"))
    write_tensors(step["grads"], os.path.join(golden_dir, "grad"))
    if state:
        write_tensors(step["state"], os.path.join(golden_dir, "state"))
    for directory, optimizer, steps in updates:
        after = reference_step(model, inputs, labels, torch.float64,
                               optimizer, steps, microbatches)
        write_tensors(after["params"], os.path.join(golden_dir, directory))

    hyper = collections.OrderedDict([
        ("model", name),
        ("reference", "PyTorch %s in float64, rounded to float32"
         % torch.__version__.split("+")[0]),
        ("inputs", list(inputs)),
        ("loss", "cross-entropy"),
        ("output", graph.output[0].name),
        ("labels", "labels"),
        ("train_mode", True),
        ("microbatches", microbatches),
        ("sgd", SGD),
        ("adamw", ADAMW),
        ("updates", [collections.OrderedDict([
            ("dir", d), ("optimizer", o), ("steps", s)])
            for d, o, s in updates]),
    ])
    if state:
        # torch.nn.BatchNorm2d: running = (1 - momentum) * running + momentum
        # * batch statistic, with the unbiased (n - 1) batch variance.
        hyper["state"] = collections.OrderedDict([
            ("dir", "state"), ("steps", 1), ("momentum", 0.1),
            ("running_var", "unbiased")])
    with open(os.path.join(golden_dir, "hyperparameters.json"), "w") as f:
        json.dump(hyper, f, indent=2)
        f.write("\n")
    print("  golden: loss %.6f, %d gradients, %d state tensors, updates %s"
          % (float(step["loss"]), len(trainable), len(state),
             ", ".join(d for d, _, _ in updates)))


# ----------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------


def write_microbatched(models_dir, data_out, microbatches, golden=True):
    """The data and golden step of every example model on a batch of
    `microbatches` microbatches (the pipeline parity tests' reference), under
    data_out/<model>/ in the layout of examples/data/<model>/."""
    for name, (build, _, _) in MODELS.items():
        model, inputs, labels = build_away_from_kinks(name, build,
                                                      microbatches)
        data = os.path.join(data_out, name)
        for input_name, value in inputs.items():
            write_tensor(value.numpy(), input_name,
                         os.path.join(data, input_name + ".pb"))
        write_tensor(labels.numpy(), "labels", os.path.join(data, "labels.pb"))
        print("%s: %d microbatches" % (name, microbatches))
        if not golden:
            continue
        write_golden(name, model, inputs, labels,
                     os.path.join(models_dir, name + ".onnx"),
                     os.path.join(data, "golden"),
                     UPDATES_MLP if name == "mlp" else UPDATES, microbatches)



def main():
    global OPSET
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)),
                    help="output directory (default: the examples/ directory)")
    ap.add_argument("--opset", type=int, default=OPSET,
                    help="ONNX opset to export (default %d; PyTorch 1.13 "
                         "exports 13 to 17)" % OPSET)
    ap.add_argument("--microbatches", type=int, default=1,
                    help="with --data-out: a batch of this many microbatches "
                         "of the example batch size")
    ap.add_argument("--data-out",
                    help="write only data sets with their golden steps of "
                         "--microbatches microbatches, to DIR/<model>/ (the "
                         "models of --out are read, not written)")
    ap.add_argument("--no-golden", action="store_true",
                    help="with --data-out: the data sets alone")
    opts = ap.parse_args()
    OPSET = opts.opset
    out = opts.out
    os.makedirs(out, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    # PRESERVE on an eval-mode module is exactly eval export; the warning
    # about constant folding only matters for modules in training mode.
    warnings.filterwarnings("ignore", message="It is recommended that constant folding")
    if opts.data_out:
        write_microbatched(out, opts.data_out, opts.microbatches,
                           not opts.no_golden)
        return

    for name, (build, folding, mode) in MODELS.items():
        model, inputs, labels = build_away_from_kinks(name, build, 1)
        model.eval()
        path = os.path.join(out, name + ".onnx")
        export(model, tuple(inputs.values()), path, list(inputs), ["logits"],
               getattr(torch.onnx.TrainingMode, mode),
               constant_folding=folding)
        _, ops = summarize(path)
        if (isinstance(model, TinyResNet)
                and ops.get("BatchNormalization", 0) == 0):
            sys.exit("error: BatchNormalization was fused away in " + path)
        data = os.path.join(out, "data", name)
        for input_name, value in inputs.items():
            write_tensor(value.numpy(), input_name,
                         os.path.join(data, input_name + ".pb"))
        write_tensor(labels.numpy(), "labels",
                     os.path.join(data, "labels.pb"))
        with torch.no_grad():
            check_outputs(path, {k: v.numpy() for k, v in inputs.items()},
                          model(*inputs.values()).numpy())
        write_golden(name, model, inputs, labels, path,
                     os.path.join(data, "golden"),
                     UPDATES_MLP if name == "mlp" else UPDATES)

    # The quickstart's batch: four microbatches of the tiny GPT's two
    # sequences (scripts/quickstart.sh trains it on two pipelined stages).
    _, inputs, labels = build_gpt(True, 4)
    data = os.path.join(out, "data", "tiny_gpt_m4")
    write_tensor(inputs["input_ids"].numpy(), "input_ids",
                 os.path.join(data, "input_ids.pb"))
    write_tensor(labels.numpy(), "labels", os.path.join(data, "labels.pb"))


if __name__ == "__main__":
    main()
