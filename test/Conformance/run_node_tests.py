#!/usr/bin/env python3
"""Kernel conformance: pp-run against ONNX's backend node tests.

    run_node_tests.py [--list node_tests.txt] [--testdata DIR]
                      [--importers OpImporters.cpp] [--pp-opt PATH]
                      [--pp-run PATH] [--work DIR] [--jobs N]
                      [--filter REGEX] [-v]

For every case the list file names (default: node_tests.txt next to this
script), from ONNX's node tests (default: Debian libonnx-testdata's
/usr/share/libonnx-testdata/data/node):

 1. prepares the case's model.onnx (see "Rewrites" below) and its data set:
    one `<input name>.pb` per graph input left;
 2. `pp-opt MODEL --pp-export=WORK/CASE/program` (inference: no loss);
 3. `pp-run WORK/CASE/program --infer --data DATA --dump WORK/CASE/out`;
 4. compares every `out/outputs/<name>.pb` (keyed by the tensor name inside)
    with the case's `output_N.pb`, as ONNX's backend tests do: same element
    type and shape, and |got - want| <= 1e-7 + 1e-3 * |want| for floats
    (NaN where NaN is expected), exact equality otherwise. ONNX stores
    bfloat16 data as UINT16 bit patterns; the driver reads them (inputs and
    expected outputs) as the bfloat16 tensors the model declares.

It then prints a table of passing cases per operator and exits 1 if a case
fails, or if a case the list marks as a known failure passes. Every data set
of a case (test_data_set_N) is run.

The list file must account for every node test whose nodes all have an nn
form in pp's importer (the operators of the `importers()` table in
lib/Import/ONNX/OpImporters.cpp, plus Constant): a case is either listed to
run or listed as excluded with its reason, so that a case the importer
starts to support, or a new test, cannot be skipped silently. A case listed
as a known failure (of another part of pp) is run and must fail.

Rewrites (the outputs that are compared keep their meaning):
 - Inputs that ONNX feeds at run time but pp needs at compile time (a
   Reshape's shape, a Slice's starts/ends/axes/steps, Split's sizes,
   (Un)Squeeze's and the reductions' axes, Expand's shape, Dropout's ratio and
   training mode, ConstantOfShape's shape, Range's bounds, Pad's pads and
   value, Tile's repeats, Trilu's k, CumSum's axis, Clip's bounds, ScatterND's inputs) become
   Constant
   nodes holding the data set's values (not initializers: pp imports a
   float initializer as a parameter, never as a compile-time constant).
 - Outputs nn has no form for are dropped, and only the first output is
   compared: LayerNormalization's Mean and InvStdDev, MaxPool's Indices.
   (BatchNormalization's training-mode running statistics are compared.)
 - A model of an opset below 13 (which pp does not import) has its opset
   raised to 13 when every one of its operators has, at opset 13, the very
   definition it had at the model's opset (the schema's since_version is not
   above the model's opset), e.g. Conv and AveragePool (defined at 11),
   MaxPool (12). The others are excluded in the list.
"""

import argparse
import collections
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
SRC_ROOT = os.path.dirname(os.path.dirname(HERE))
RTOL, ATOL = 1e-3, 1e-7
MIN_OPSET = 13
TIMEOUT_S = 120

# Outputs kept of operators whose further outputs nn has no form for.
SINGLE_OUTPUT = {"LayerNormalization": 1, "MaxPool": 1}

# Input positions that pp's importer reads as compile-time constants.
CONSTANT_INPUTS = {
    "Reshape": (1,),
    "Expand": (1,),
    "Slice": (1, 2, 3, 4),
    "Split": (1,),
    "Squeeze": (1,),
    "Unsqueeze": (1,),
    "ReduceSum": (1,),
    "ReduceMean": (1,),
    "Dropout": (1, 2),
    "ConstantOfShape": (0,),
    "Range": (0, 1, 2),
    "Pad": (1, 2, 3),
    "Tile": (1,),
    "Trilu": (1,),
    "CumSum": (1,),
    "ReduceMax": (1,),
    "ReduceMin": (1,),
    "Clip": (1, 2),
    "ScatterND": (0, 1, 2),
    "And": (0, 1),
    "Or": (0, 1),
    "Xor": (0, 1),
    "GatherElements": (0, 1),
    "GatherND": (1,),
}


class SetupError(Exception):
    """The list, the test data or a tool is not as expected."""


# ----------------------------------------------------------------------------
# The list and the test data
# ----------------------------------------------------------------------------


def read_list(path):
    """Returns ([case to run], {excluded case: reason}, {case expected to
    fail: reason}) from the list file: one case per line, `-CASE: REASON`
    for an exclusion, `!CASE: REASON` for a known failure (run), `#`
    comments."""
    run, excluded, expected_failures, seen = [], {}, {}, set()
    with open(path) as f:
        for number, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            where = "%s:%d" % (path, number)
            marker = line[0] if line[0] in "-!" else ""
            name, sep, reason = line[len(marker):].partition(":")
            name, reason = name.strip(), reason.strip()
            if marker and (not sep or not reason):
                raise SetupError("%s: '%s' needs a reason: %sCASE: REASON"
                                 % (where, line, marker))
            if not re.fullmatch(r"test_\w+", name) or (sep and not marker):
                raise SetupError("%s: '%s' is no node test name"
                                 % (where, line))
            if name in seen:
                raise SetupError("%s: %s is listed twice" % (where, name))
            seen.add(name)
            if marker == "-":
                excluded[name] = reason
                continue
            run.append(name)
            if marker == "!":
                expected_failures[name] = reason
    return run, excluded, expected_failures


def read_importer_ops(path):
    """The ONNX operators of the importers() table of OpImporters.cpp."""
    with open(path) as f:
        source = f.read()
    table = re.search(r"importers\(\)\s*\{(.*?)\};", source, re.S)
    ops = set(re.findall(r'\{"(\w+)",\s*import', table.group(1))) \
        if table else set()
    if not ops:
        raise SetupError("%s: found no importers() table" % path)
    return ops


def node_ops(model):
    return [n.op_type for n in model.graph.node]


def in_scope(model, importer_ops):
    ops = node_ops(model)
    return (all(op in importer_ops or op == "Constant" for op in ops)
            and any(op in importer_ops for op in ops))


def case_label(model):
    """The operator a case tests: its one operator, or all of them."""
    ops = sorted(set(node_ops(model)) - {"Constant"})
    return ops[0] if len(ops) == 1 else "+".join(ops)


def check_list(testdata, run, excluded, importer_ops):
    """Every in-scope test is listed once, every listed one exists and is in
    scope. Returns {case: loaded model} for the cases to run."""
    problems, models = [], {}
    listed = set(run) | set(excluded)
    for name in sorted(os.listdir(testdata)):
        path = os.path.join(testdata, name, "model.onnx")
        if not os.path.isfile(path):
            continue
        model = onnx.load(path)
        if in_scope(model, importer_ops):
            if name not in listed:
                problems.append("%s (%s) is neither run nor excluded"
                                % (name, case_label(model)))
            elif name in run:
                models[name] = model
        elif name in listed:
            problems.append("%s uses operators pp does not import: %s"
                            % (name, ", ".join(sorted(
                                set(node_ops(model)) - importer_ops
                                - {"Constant"}))))
    for name in sorted(listed):
        if not os.path.isdir(os.path.join(testdata, name)):
            problems.append("%s is no test under %s" % (name, testdata))
    if problems:
        raise SetupError("the list does not match the test data:\n  "
                         + "\n  ".join(problems))
    return models


# ----------------------------------------------------------------------------
# One case
# ----------------------------------------------------------------------------


def read_tensor(path):
    proto = onnx.TensorProto()
    with open(path, "rb") as f:
        proto.ParseFromString(f.read())
    return proto


def file_safe(name):
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def as_declared(proto, value_info):
    """ONNX's test data holds bfloat16 tensors as UINT16 bit patterns (NumPy
    has no bfloat16); relabels such a tensor as the BFLOAT16 it is."""
    declared = value_info.type.tensor_type.elem_type
    if (declared == onnx.TensorProto.BFLOAT16
            and proto.data_type == onnx.TensorProto.UINT16):
        proto.data_type = onnx.TensorProto.BFLOAT16
    return proto


def raise_opset(model):
    """Raises an opset below 13 to 13 where no operator's definition changes
    (see the module comment); returns an error message or None."""
    default = [o for o in model.opset_import if o.domain in ("", "ai.onnx")]
    if not default or default[0].version >= MIN_OPSET:
        return None
    version = default[0].version
    for node in model.graph.node:
        since = onnx.defs.get_schema(node.op_type, MIN_OPSET,
                                     node.domain).since_version
        if since > version:
            return ("opset %d: %s is redefined at opset %d"
                    % (version, node.op_type, since))
    default[0].version = MIN_OPSET
    return None


def drop_extra_outputs(model):
    """Drops the trailing outputs nn has no form for (see the module
    comment); returns an error message or None."""
    graph = model.graph
    consumed = {name for node in graph.node for name in node.input}
    dropped = set()
    for node in graph.node:
        keep = SINGLE_OUTPUT.get(node.op_type)
        if keep is None or len(node.output) <= keep:
            continue
        for name in node.output[keep:]:
            if name in consumed:
                return ("%s's output '%s' is read by another node"
                        % (node.op_type, name))
            dropped.add(name)
        del node.output[keep:]
    kept = [o for o in graph.output if o.name not in dropped]
    del graph.output[:]
    graph.output.extend(kept)
    return None


def prepare(model, data_set, work):
    """Writes the rewritten model and the data directory of one data set;
    returns (model path, data directory, [(output index, ValueInfoProto)])
    where the index numbers the original model's outputs (output_N.pb)."""
    original_outputs = [o.name for o in model.graph.output]
    model = onnx.ModelProto.FromString(model.SerializeToString())
    error = raise_opset(model) or drop_extra_outputs(model)
    if error:
        raise SetupError(error)
    graph = model.graph
    initialized = {t.name for t in graph.initializer}
    feeds = [i for i in graph.input if i.name not in initialized]
    values = {}
    for index, value_info in enumerate(feeds):
        path = os.path.join(data_set, "input_%d.pb" % index)
        if not os.path.isfile(path):
            raise SetupError("%s is missing" % path)
        proto = as_declared(read_tensor(path), value_info)
        proto.name = value_info.name
        values[value_info.name] = proto
    constant = set()
    for node in graph.node:
        for position in CONSTANT_INPUTS.get(node.op_type, ()):
            if position < len(node.input) and node.input[position] in values:
                constant.add(node.input[position])
    # Constant nodes rather than initializers: pp imports float initializers
    # as parameters, never as compile-time constants.
    nodes = [onnx.helper.make_node("Constant", [], [name],
                                   value=values.pop(name))
             for name in sorted(constant)] + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [i for i in graph.input if i.name not in constant]
    del graph.input[:]
    graph.input.extend(kept)
    model_path = os.path.join(work, "model.onnx")
    onnx.save(model, model_path)
    data = os.path.join(work, "data")
    os.makedirs(data)
    for name, proto in values.items():
        with open(os.path.join(data, file_safe(name) + ".pb"), "wb") as f:
            f.write(proto.SerializeToString())
    outputs = [(original_outputs.index(o.name), o) for o in graph.output]
    return model_path, data, outputs


def run_tool(cmd):
    try:
        result = subprocess.run(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True,
                                timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return "%s timed out after %d s" % (os.path.basename(cmd[0]),
                                            TIMEOUT_S)
    if result.returncode != 0:
        lines = result.stdout.strip().splitlines()
        return "%s exited with %d: %s" % (
            os.path.basename(cmd[0]), result.returncode,
            " | ".join(lines[-3:]) if lines else "(no output)")
    return None


def compare(name, got_proto, want_proto):
    """None if `got_proto` matches `want_proto` as ONNX's backend tests
    require, else the reason, with the worst element."""
    if got_proto.data_type != want_proto.data_type:
        type_name = onnx.TensorProto.DataType.Name
        return "%s: element type %s, want %s" % (
            name, type_name(got_proto.data_type),
            type_name(want_proto.data_type))
    got = numpy_helper.to_array(got_proto)
    want = numpy_helper.to_array(want_proto)
    if got.shape != want.shape:
        return "%s: shape %s, want %s" % (name, list(got.shape),
                                          list(want.shape))
    if got.size == 0:
        return None
    if np.issubdtype(want.dtype, np.floating):
        g, w = got.astype(np.float64), want.astype(np.float64)
        allowed = ATOL + RTOL * np.abs(w)
        with np.errstate(invalid="ignore"):
            diff = np.abs(g - w)
        # Equal infinities and NaN where NaN is expected match.
        same = (g == w) | (np.isnan(g) & np.isnan(w))
        bad = ~((diff <= allowed) | same)
        with np.errstate(invalid="ignore"):
            ratio = np.where(bad, np.nan_to_num(diff / allowed, nan=np.inf,
                                                posinf=np.inf), 0.0)
    else:
        g, w = got, want
        bad = got != want
        ratio = bad.astype(np.float64)
        allowed = diff = None
    if not bad.any():
        return None
    worst = np.unravel_index(int(np.argmax(ratio)), ratio.shape)
    detail = "%d of %d elements off; worst at %s: got %s, want %s" % (
        int(bad.sum()), bad.size, list(worst), g[worst], w[worst])
    if diff is not None:
        detail += ", |diff| %.3g > allowed %.3g" % (diff[worst],
                                                    allowed[worst])
    return "%s: %s" % (name, detail)


def run_case(name, model, testdata, args):
    """Returns None if every data set of the case passes, else the reason."""
    case_dir = os.path.join(testdata, name)
    sets = sorted(d for d in os.listdir(case_dir)
                  if d.startswith("test_data_set_"))
    if not sets:
        return "no test_data_set_N directory"
    for data_set in sets:
        work = os.path.join(args.work, name, data_set)
        if os.path.isdir(work):
            shutil.rmtree(work)
        os.makedirs(work)
        try:
            model_path, data, expected = prepare(
                model, os.path.join(case_dir, data_set), work)
        except SetupError as e:
            return "%s: %s" % (data_set, e)
        program = os.path.join(work, "program")
        out = os.path.join(work, "out")
        error = run_tool([args.pp_opt, model_path,
                          "--pp-export=" + program])
        error = error or run_tool([args.pp_run, program, "--infer",
                                   "--data", data, "--dump", out])
        if error:
            return "%s: %s" % (data_set, error)
        outputs = {}
        out_dir = os.path.join(out, "outputs")
        for fname in (sorted(os.listdir(out_dir))
                      if os.path.isdir(out_dir) else []):
            if fname.endswith(".pb"):
                proto = read_tensor(os.path.join(out_dir, fname))
                outputs[proto.name] = proto
        for index, output in expected:
            want = as_declared(read_tensor(os.path.join(
                case_dir, data_set, "output_%d.pb" % index)), output)
            if output.name not in outputs:
                return "%s: pp-run wrote no output '%s' (it wrote: %s)" % (
                    data_set, output.name, ", ".join(sorted(outputs))
                    or "nothing")
            error = compare(output.name, outputs[output.name], want)
            if error:
                return "%s: %s" % (data_set, error)
    return None


# ----------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--list", default=os.path.join(HERE, "node_tests.txt"))
    ap.add_argument("--testdata",
                    default="/usr/share/libonnx-testdata/data/node")
    ap.add_argument("--importers", default=os.path.join(
        SRC_ROOT, "lib", "Import", "ONNX", "OpImporters.cpp"),
        help="the importer's operator table (default: the source's)")
    ap.add_argument("--pp-opt", default="pp-opt")
    ap.add_argument("--pp-run", default="pp-run")
    ap.add_argument("--work", default="node-tests",
                    help="scratch directory (default: ./node-tests)")
    ap.add_argument("--jobs", type=int, default=2,
                    help="cases run at once (default 2)")
    ap.add_argument("--filter", default=None,
                    help="run only the listed cases matching this regex")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print every case's result")
    args = ap.parse_args()
    try:
        for tool in (args.pp_opt, args.pp_run):
            if not shutil.which(tool):
                raise SetupError("cannot find %s" % tool)
        run, excluded, expected_failures = read_list(args.list)
        models = check_list(args.testdata, run, excluded,
                            read_importer_ops(args.importers))
    except (SetupError, OSError) as e:
        print("error: %s" % e, file=sys.stderr)
        return 2
    if args.filter:
        run = [name for name in run if re.search(args.filter, name)]
    if os.path.isdir(args.work):
        shutil.rmtree(args.work)

    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        futures = [pool.submit(run_case, name, models[name], args.testdata,
                               args) for name in run]
        results = [f.result() for f in futures]

    per_op = collections.OrderedDict()
    unexpected = 0
    for name, error in zip(run, results):
        label = case_label(models[name])
        passed, total = per_op.get(label, (0, 0))
        per_op[label] = (passed + (error is None), total + 1)
        if name in expected_failures:
            if error is None:
                unexpected += 1
                print("XPASS %s (%s): passes, but the list expects it to "
                      "fail (%s)" % (name, label, expected_failures[name]))
            elif args.verbose:
                print("xfail %s (%s): %s" % (name, label, error))
        elif error:
            unexpected += 1
            print("FAIL  %s (%s): %s" % (name, label, error))
        elif args.verbose:
            print("ok    %s (%s)" % (name, label))
    print("%-26s %s" % ("operator", "passed"))
    for label in sorted(per_op):
        passed, total = per_op[label]
        print("%-26s %d/%d" % (label, passed, total))
    passed = sum(1 for error in results if error is None)
    summary = ("%d of %d cases pass, %d known failures (listed), %d listed "
               "as excluded" % (passed, len(run), len(expected_failures),
                                len(excluded)))
    print(summary if not unexpected
          else summary + "; %d UNEXPECTED" % unexpected)
    return 1 if unexpected else 0


if __name__ == "__main__":
    sys.exit(main())
