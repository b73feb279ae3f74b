"""Exports the conformance set with current PyTorch's two ONNX exporters and
writes the golden trajectories that check_current_pytorch.py compares pp
with (run by scripts/export-current-pytorch.sh, in the virtual environment it
makes with the versions pinned in current-pytorch-requirements.txt).

    export_current_pytorch.py --out DIR [--exporters torchscript dynamo]
        [MODEL ...]

Each model of check_exported_training.py's set (the same builders, float64)
is exported by

- torchscript: torch.onnx.export(dynamo=False,
  training=TrainingMode.TRAINING, do_constant_folding=False, dynamic_axes);
- dynamo: torch.onnx.export(dynamo=True, optimize=False, external_data=True,
  dynamic_shapes) of the module in training mode (this exporter has no
  training= option: it exports the mode the module is in);

both at the exporter's default opset. Where an exporter cannot export a
model as it is, the model is adapted as a user would (FLOAT32, EAGER and
ATTENTION_MASK below, each with the exporter's error); where one still
fails, EXPORTER/MODEL/export-failed.txt records its error. The parameters, and BatchNorm's
running statistics, are first set from weight_formula (offset and scale
keep PyTorch's initial mean and spread), so the committed graph does not
hold them: DIR/EXPORTER/MODEL/ holds

  model.onnx    the graph; each initializer whose values are the formula's
                is external data in weights.bin (not committed: the test
                writes it from weights.json); the others are inline
  weights.json  per such initializer: the seed (the parameter's name),
                offset and scale
  data/*.pb     the inputs and labels
  golden.json   PyTorch's float64 trajectory: the loss of every step and
                per initializer the summary of its change
                (trajectory_summary.py), with the pp options it needs

Node names, doc strings and metadata (the dynamo exporter records source
paths and stack traces there) are normalised away, so a rerun writes the
same bytes. DIR/MANIFEST.json lists the sha256 of every file written, of
the generator's sources and of the pinned requirements
(check_current_pytorch_manifest.py checks them).
"""

import argparse
import hashlib
import inspect
import json
import os
import re
import shutil
import sys
import warnings

import numpy as np
import onnx
import torch
from onnx import numpy_helper

import check_exported_training as conformance
import trajectory_summary
import weight_formula

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 3
LR = 0.01
EXPORTERS = ["torchscript", "dynamo"]
# Sources whose change changes what the script writes.
SOURCES = ["export_current_pytorch.py", "check_exported_training.py",
           "trajectory_summary.py", "weight_formula.py",
           "current-pytorch-requirements.txt"]
WEIGHTS_FILE = "weights.bin"
# Exports that cannot be made in float64: the TorchScript exporter writes
# scaled_dot_product_attention's causal mask only in float32 (a float64
# mask is "Unsupported type for attn_mask"). pp trains these in float32;
# the golden stays PyTorch's float64 trajectory from the same weights.
FLOAT32 = {("torchscript", "encoder_gpt")}
# transformers 5's default attention is scaled_dot_product_attention too:
# for the TorchScript exporter these Hugging Face models use their eager
# attention (set_attn_implementation("eager")), which it exports in
# float64; so does T5 for the dynamo exporter, which fails on T5's SDPA
# ("Cannot view a tensor with shape [2, 8, 2, 16] and strides ... as a
# tensor with shape (2, 8, 32)", static batch or dynamic).
EAGER = {("torchscript", "gpt2"), ("torchscript", "llama"),
         ("torchscript", "mistral"), ("torchscript", "t5"), ("dynamo", "t5")}
# Given no attention mask, transformers 5 finds packed sequences in the
# position ids with torch.diff, which the TorchScript exporter cannot
# export ("aten::diff ... is not supported"): these are exported with an
# attention mask of ones, as users pass one.
ATTENTION_MASK = {("torchscript", "gpt2"), ("torchscript", "llama"),
                  ("torchscript", "mistral")}


def formula_tensors(module):
    """Parameters and BatchNorm running statistics, by state-dict name
    (a tied weight once)."""
    tensors = dict(module.named_parameters())
    for name, buf in module.named_buffers():
        if name.endswith((".running_mean", ".running_var")):
            tensors[name] = buf
    return tensors


def aliases(module):
    """Every state-dict name of each tensor, by the name reference() and
    formula_tensors() give it (a tied weight has several; exporters keep
    one of them)."""
    names, first = {}, {}
    for name, value in module.state_dict(keep_vars=True).items():
        key = first.setdefault(value.data_ptr(), name)
        names.setdefault(key, []).append(name)
    return names


def set_formula_weights(module):
    """Sets every parameter and running statistic from weight_formula,
    keeping PyTorch's initial mean (where it exceeds the spread) and
    standard deviation; returns {name: (offset, scale, seed)} for every
    name of each tensor (the seed is its first name)."""
    table = {}
    with torch.no_grad():
        for name, tensor in formula_tensors(module).items():
            t = tensor.detach().double()
            std = float(t.std()) if t.numel() > 1 else 0.0
            mean = float(t.mean())
            offset = mean if abs(mean) > std else 0.0
            scale = std * 3 ** 0.5
            if std == 0.0:
                offset, scale = mean, 0.0
            values = weight_formula.values(name, offset, scale,
                                           tuple(tensor.shape))
            # A float32 tensor holds the float64 value rounded once.
            tensor.copy_(torch.from_numpy(values))
            table[name] = (offset, scale, name)
    # The formula is keyed by the first name: an export that keeps
    # another alias finds it under that one too.
    for key, names in aliases(module).items():
        for alias in names:
            if key in table:
                table.setdefault(alias, table[key])
    return table


def export_torchscript(module, inputs, names, path):
    module.train()
    torch.onnx.export(module, tuple(inputs), path, dynamo=False,
                      training=torch.onnx.TrainingMode.TRAINING,
                      do_constant_folding=False, input_names=names,
                      output_names=["logits"],
                      dynamic_axes={n: {0: "batch"} for n in names})


def export_dynamo(module, inputs, names, path):
    module.train()
    batch = torch.export.Dim("batch")
    shapes = tuple({0: batch} for _ in names)
    # dynamic_shapes follows forward's signature: one entry per argument,
    # a tuple of them for *args.
    if any(p.kind == p.VAR_POSITIONAL for p in inspect.signature(
            module.forward).parameters.values()):
        shapes = (shapes,)
    torch.onnx.export(module, tuple(inputs), path, dynamo=True,
                      optimize=False, external_data=True,
                      input_names=names, output_names=["logits"],
                      dynamic_shapes=shapes)


EXPORT = {"torchscript": export_torchscript, "dynamo": export_dynamo}


def normalise(model):
    """Drops what differs from run to run or machine to machine: doc
    strings, metadata (source paths, stack traces) and node names, which
    become the node's position (pp names unnamed nodes so too)."""
    model.doc_string = ""
    del model.metadata_props[:]
    graph = model.graph
    graph.doc_string = ""
    del graph.metadata_props[:]
    for i, node in enumerate(graph.node):
        node.name = "n%d" % i
        node.doc_string = ""
        del node.metadata_props[:]
    for value in list(graph.input) + list(graph.output) + list(
            graph.value_info):
        value.doc_string = ""
        del value.metadata_props[:]
    for tensor in graph.initializer:
        tensor.doc_string = ""
        del tensor.metadata_props[:]
    if any(node.op_type in ("If", "Loop", "Scan") for node in graph.node):
        sys.exit("a subgraph in the export: normalise() does not walk it")


def externalise(model, table):
    """Initializers whose values are exactly the formula's become external
    data in WEIGHTS_FILE (which is not kept); returns their table."""
    weights, offset = {}, 0
    for tensor in model.graph.initializer:
        if tensor.name not in table or tensor.data_type not in (
                onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT):
            continue
        array = numpy_helper.to_array(tensor)
        a, s = table[tensor.name][:2]
        seed = table[tensor.name][2]
        if not np.array_equal(array, weight_formula.values(
                seed, a, s, array.shape, array.dtype)):
            continue
        length = array.nbytes
        tensor.ClearField("raw_data")
        tensor.ClearField("double_data")
        tensor.ClearField("float_data")
        del tensor.external_data[:]
        tensor.data_location = onnx.TensorProto.EXTERNAL
        for key, value in (("location", WEIGHTS_FILE),
                           ("offset", str(offset)),
                           ("length", str(length))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, value
        weights[tensor.name] = {"seed": seed, "offset": a, "scale": s}
        offset += (length + 63) // 64 * 64
    return weights


def exception_line(error):
    """The exception's type and first line, without the exporter's colour
    codes and the symbolic sizes' names that differ from run to run."""
    # The cause says what failed; the exporter's own message says which step.
    while error.__cause__ is not None:
        error = error.__cause__
    cause = str(error).strip().splitlines() or [""]
    line = "%s: %s" % (type(error).__name__, cause[0])
    line = re.sub(r"\x1b\[[0-9;]*m", "", line)
    return re.sub(r"\bs[0-9]+\b", "sN", line)[:300]


def export_failed(work, error):
    """Records that the exporter itself failed (EXPORTER/MODEL/
    export-failed.txt): nothing for pp to train."""
    shutil.rmtree(work)
    os.makedirs(work)
    line = exception_line(error)
    with open(os.path.join(work, "export-failed.txt"), "w") as f:
        f.write(line + "\n")
    print("%s: the exporter failed: %s" % (os.path.join(
        *work.split(os.sep)[-2:]), line), flush=True)


def write_json(value, path):
    with open(path, "w") as f:
        json.dump(value, f, indent=1, sort_keys=True)
        f.write("\n")


def export_one(exporter, name, out):
    work = os.path.join(out, exporter, name)
    if os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(os.path.join(work, "data"))
    dtype = "float32" if (exporter, name) in FLOAT32 else "float64"
    module, inputs, labels, names = conformance.prepare(name, dtype)
    module.full_attention_mask = (exporter, name) in ATTENTION_MASK
    if (exporter, name) in EAGER:
        module.model.set_attn_implementation("eager")
    table = set_formula_weights(module)
    raw = os.path.join(work, "raw")
    os.makedirs(raw)
    raw_path = os.path.join(raw, "model.onnx")
    default = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, dtype))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                EXPORT[exporter](module, inputs, names, raw_path)
            except Exception as error:  # the exporter's own failure
                return export_failed(work, error)
    finally:
        torch.set_default_dtype(default)
    model = onnx.load(raw_path)
    shutil.rmtree(raw)
    normalise(model)

    # Both sides start from the module as exported: every initializer of
    # the module's state must hold the module's value.
    before = {t.name: numpy_helper.to_array(t).astype(np.float64)
              for t in model.graph.initializer
              if t.data_type in (onnx.TensorProto.FLOAT,
                                 onnx.TensorProto.DOUBLE)}
    state = module.state_dict()
    for key, value in before.items():
        if key in state and not np.array_equal(
                state[key].double().numpy(), value):
            sys.exit("%s/%s: initializer %s differs from the module's"
                     % (exporter, name, key))
    weights = externalise(model, table)
    onnx.save(model, os.path.join(work, "model.onnx"))
    write_json(weights, os.path.join(work, "weights.json"))
    for input_name, x in zip(names, inputs):
        conformance.write_tensor(x.numpy(), input_name,
                                 os.path.join(work, "data",
                                              input_name + ".pb"))
    conformance.write_tensor(labels.numpy(), "labels",
                             os.path.join(work, "data", "labels.pb"))

    losses, after = conformance.reference(module, inputs, labels, STEPS, LR)
    buffers, padding = conformance.training_options(module, set(before))
    options = []
    if buffers:
        options.append("frozen=" + ",".join(buffers))
    if padding:
        options.append("padding-index=" + ",".join(padding))
    # A tied weight under the alias the export kept.
    for key, names in aliases(module).items():
        kept = [n for n in names if n in before]
        if key in after and key not in before and kept:
            after[kept[0]] = after.pop(key)
    missing = sorted(k for k in after if k not in before)
    if missing:
        sys.exit("%s/%s: trained tensors that are no initializer: %s"
                 % (exporter, name, ", ".join(missing)))
    changes = {k: trajectory_summary.summarise(k, after[k] - before[k])
               for k in sorted(after)}
    graph = model.graph
    write_json({"model": name, "exporter": exporter,
                "opset": max(o.version for o in model.opset_import
                             if o.domain in ("", "ai.onnx")),
                "nodes": len(graph.node),
                "op_types": len({n.op_type for n in graph.node}),
                "dtype": dtype, "batch": int(inputs[0].shape[0]), "steps": STEPS, "lr": LR,
                "pipeline_options": " ".join(options),
                "losses": losses, "changes": changes},
               os.path.join(work, "golden.json"))
    inline = sum(t.ByteSize() for t in graph.initializer
                 if t.data_location != onnx.TensorProto.EXTERNAL)
    print("%s/%s: %d nodes, %d initializers (%d from the formula, %d bytes "
          "inline), losses %s" % (exporter, name, len(graph.node),
                                  len(graph.initializer), len(weights),
                                  inline,
                                  ", ".join("%.6g" % x for x in losses)),
          flush=True)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def write_manifest(out):
    files = {}
    for root, _, names in os.walk(out):
        for n in names:
            path = os.path.join(root, n)
            rel = os.path.relpath(path, out)
            if rel != "MANIFEST.json":
                files[rel.replace(os.sep, "/")] = sha256(path)
    write_json({"generator": {s: sha256(os.path.join(HERE, s))
                              for s in SOURCES},
                "versions": {"torch": torch.__version__,
                             "onnx": onnx.__version__,
                             "numpy": np.__version__},
                "files": files},
               os.path.join(out, "MANIFEST.json"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="*",
                    help="default: the whole set, conv_batchnorm included")
    ap.add_argument("--out", required=True)
    ap.add_argument("--exporters", nargs="+", choices=EXPORTERS,
                    default=EXPORTERS)
    ap.add_argument("--no-manifest", action="store_true",
                    help="for trying a model: leave MANIFEST.json alone")
    args = ap.parse_args()
    models = args.models or sorted(conformance.MODELS)
    for exporter in args.exporters:
        for name in models:
            export_one(exporter, name, args.out)
    if not args.no_manifest:
        write_manifest(args.out)


if __name__ == "__main__":
    main()
