"""Trains a PyTorch module exported for training with pp and with PyTorch in
float64, and compares the trajectories.

    check_exported_training.py MODEL --work DIR [--steps 3] [--lr 0.1]
        [--pp-opt pp-opt] [--pp-run pp-run] [--pipeline OPTIONS]

The module is built from its class with random weights (a fixed seed) and
exported the way users export a model they mean to train:
`torch.onnx.export(..., training=TrainingMode.TRAINING,
do_constant_folding=False)`, opset 17. Exporting in training mode runs the
module once, which moves BatchNorm's running statistics; the reference
starts from the module as exported (a float64 copy of it after the
export), so both sides start from the same weights.

pp: `pp-opt --pp-pipeline` and `pp-run --steps N` with plain SGD on one
batch, `--metrics` for the loss of every step in full precision and
`--save` for the weights and running statistics after the last step.
PyTorch: the float64 copy, `torch.optim.SGD`, the same N steps.

Compared, each within float32's reach of the float64 trajectory
(|got - want| <= RTOL * max(|want|, rms(want), FLOOR * rms(weight)), rms
over the tensor): the loss of every step, and every initializer's change
over the N steps (a weight's or a running statistic's; changes, not
values, since a step moves a weight by a small fraction of itself; a
change below a millionth of the weight's size, such as that of a conv bias
before a BatchNorm, whose exact gradient is zero, is float32 noise). Prints one line per model;
exit status 1 on a mismatch.
"""

import argparse
import copy
import inspect
import json
import math
import os
import shutil
import subprocess
import sys
import warnings

import numpy as np
import onnx
import torch
from onnx import numpy_helper

RTOL = 2e-4
FLOOR = 1e-6
OPSET = 17


class ConvBatchNorm(torch.nn.Module):
    """Conv, BatchNorm (training mode), a smooth activation, pooling and a
    classifier: what a CNN exported for training is made of. Tanh, not
    ReLU, so that float32 and float64 cannot take different branches."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = torch.nn.BatchNorm2d(8)
        self.conv2 = torch.nn.Conv2d(8, 8, 3, stride=2, padding=1,
                                     bias=False)
        self.bn2 = torch.nn.BatchNorm2d(8)
        self.head = torch.nn.Linear(8, 5)

    def forward(self, x):
        x = torch.tanh(self.bn1(self.conv1(x)))
        x = torch.tanh(self.bn2(self.conv2(x)))
        x = torch.nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.head(x)


def build_conv_batchnorm():
    gen = torch.Generator().manual_seed(7)
    x = torch.randn(4, 3, 8, 8, generator=gen)
    labels = torch.randint(0, 5, (4,), generator=gen)
    return ConvBatchNorm(), x, labels


def image_batch(size=32, classes=10, batch=4, seed=11):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, 3, size, size, generator=gen),
            torch.randint(0, classes, (batch,), generator=gen))


def torchvision_model(name, image_size=32, **kwargs):
    """A torchvision architecture from its public class, small, with random
    weights; stochastic depth and dropout off (their randomness is not
    PyTorch's in pp)."""
    import torchvision

    def build():
        torch.manual_seed(3)
        model = getattr(torchvision.models, name)(**kwargs)
        for module in model.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0
        x, labels = image_batch(image_size)
        return model, x, labels
    return build


def vision_transformer():
    from torchvision.models.vision_transformer import VisionTransformer
    torch.manual_seed(3)
    model = VisionTransformer(image_size=32, patch_size=8, num_layers=2,
                              num_heads=2, hidden_dim=32, mlp_dim=64,
                              num_classes=10)
    x, labels = image_batch()
    return model, x, labels


def swin_transformer():
    from torchvision.models.swin_transformer import SwinTransformer
    torch.manual_seed(3)
    model = SwinTransformer(patch_size=[4, 4], embed_dim=16, depths=[2, 2],
                            num_heads=[2, 4], window_size=[4, 4],
                            stochastic_depth_prob=0.0, num_classes=10)
    x, labels = image_batch()
    return model, x, labels


def densenet():
    from torchvision.models.densenet import DenseNet
    torch.manual_seed(3)
    model = DenseNet(growth_rate=8, block_config=(2, 2), num_init_features=16,
                     num_classes=10)
    x, labels = image_batch()
    return model, x, labels


class EncoderGPT(torch.nn.Module):
    """A GPT made of torch.nn.TransformerEncoderLayer: token and position
    embeddings, pre-norm blocks (norm_first) with GELU under a causal mask,
    a final LayerNorm and an LM head."""

    def __init__(self, vocab=64, width=32, heads=2, layers=2, context=16):
        super().__init__()
        self.tokens = torch.nn.Embedding(vocab, width)
        self.positions = torch.nn.Embedding(context, width)
        layer = torch.nn.TransformerEncoderLayer(
            width, heads, 4 * width, dropout=0.0, activation="gelu",
            batch_first=True, norm_first=True)
        self.blocks = torch.nn.TransformerEncoder(layer, layers,
                                                  enable_nested_tensor=False)
        self.norm = torch.nn.LayerNorm(width)
        self.head = torch.nn.Linear(width, vocab, bias=False)

    def forward(self, ids):
        length = ids.shape[1]
        mask = torch.nn.Transformer.generate_square_subsequent_mask(
            length, dtype=self.tokens.weight.dtype)
        x = self.tokens(ids) + self.positions(torch.arange(length))
        x = self.blocks(x, mask=mask, is_causal=True)
        return self.head(self.norm(x))


def encoder_gpt():
    torch.manual_seed(3)
    model = EncoderGPT()
    model.input_names = ["input_ids"]
    gen = torch.Generator().manual_seed(13)
    ids = torch.randint(0, 64, (2, 9), generator=gen)
    return model, (ids[:, :8],), ids[:, 1:]


class LogitsOnly(torch.nn.Module):
    """A Hugging Face model as a module that returns its logits alone."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, *inputs):
        kwargs = dict(zip(self.input_names, inputs))
        if "use_cache" in inspect.signature(self.model.forward).parameters:
            kwargs["use_cache"] = False
        if getattr(self, "full_attention_mask", False):
            # An attention mask of ones, made from the ids' shape.
            kwargs["attention_mask"] = torch.ones_like(inputs[0])
        return self.model(**kwargs, return_dict=True).logits


def hugging_face(config_class, model_class, seq2seq=False, **config):
    """A Hugging Face architecture from its public classes (transformers),
    small, with random weights and dropout off; a batch of 2 sequences of
    8 tokens, the labels the inputs shifted by one."""

    def build():
        import transformers
        torch.manual_seed(3)
        cfg = getattr(transformers, config_class)(**config)
        model = LogitsOnly(getattr(transformers, model_class)(cfg))
        vocab = cfg.vocab_size
        gen = torch.Generator().manual_seed(13)
        # Any token, the pad token included: an embedding's padding row
        # gets no gradient from lookups, which check() passes to pp as
        # padding-index= (the export cannot carry it).
        ids = torch.randint(0, vocab, (2, 9), generator=gen)
        if seq2seq:
            decoder = torch.randint(0, vocab, (2, 9), generator=gen)
            model.input_names = ["input_ids", "decoder_input_ids"]
            return model, (ids[:, :8], decoder[:, :8]), decoder[:, 1:]
        model.input_names = ["input_ids"]
        return model, (ids[:, :8],), ids[:, 1:]
    return build


SMALL_TRANSFORMER = dict(vocab_size=64)

MODELS = {
    "conv_batchnorm": build_conv_batchnorm,
    "encoder_gpt": encoder_gpt,
    "gpt2": hugging_face("GPT2Config", "GPT2LMHeadModel", n_embd=32,
                         n_layer=2, n_head=2, n_positions=16, resid_pdrop=0.0,
                         embd_pdrop=0.0, attn_pdrop=0.0, **SMALL_TRANSFORMER),
    "bert": hugging_face("BertConfig", "BertForMaskedLM", hidden_size=32,
                         num_hidden_layers=2, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=16,
                         hidden_dropout_prob=0.0,
                         attention_probs_dropout_prob=0.0,
                         **SMALL_TRANSFORMER),
    "bart": hugging_face("BartConfig", "BartForConditionalGeneration",
                         seq2seq=True, d_model=32, encoder_layers=1,
                         decoder_layers=1, encoder_attention_heads=2,
                         decoder_attention_heads=2, encoder_ffn_dim=64,
                         decoder_ffn_dim=64, max_position_embeddings=16,
                         dropout=0.0, attention_dropout=0.0,
                         activation_dropout=0.0, **SMALL_TRANSFORMER),
    "t5": hugging_face("T5Config", "T5ForConditionalGeneration", seq2seq=True,
                       d_model=32, d_kv=16, d_ff=64, num_layers=1,
                       num_decoder_layers=1, num_heads=2, dropout_rate=0.0,
                       relative_attention_num_buckets=8,
                       **SMALL_TRANSFORMER),
    "llama": hugging_face("LlamaConfig", "LlamaForCausalLM", hidden_size=32,
                          intermediate_size=64, num_hidden_layers=2,
                          num_attention_heads=2, num_key_value_heads=2,
                          max_position_embeddings=16, **SMALL_TRANSFORMER),
    "mistral": hugging_face("MistralConfig", "MistralForCausalLM",
                            hidden_size=32, intermediate_size=64,
                            num_hidden_layers=2, num_attention_heads=4,
                            num_key_value_heads=2, max_position_embeddings=16,
                            sliding_window=4, **SMALL_TRANSFORMER),
    "resnet18": torchvision_model("resnet18", num_classes=10),
    "mobilenet_v2": torchvision_model("mobilenet_v2", 64, num_classes=10,
                                      width_mult=0.25, dropout=0.0),
    "mobilenet_v3_small": torchvision_model("mobilenet_v3_small", 64,
                                            num_classes=10, dropout=0.0),
    "efficientnet_b0": torchvision_model("efficientnet_b0", 64,
                                         num_classes=10,
                                         stochastic_depth_prob=0.0),
    "densenet": densenet,
    "convnext_tiny": torchvision_model("convnext_tiny", num_classes=10,
                                       stochastic_depth_prob=0.0),
    "vit": vision_transformer,
    "swin": swin_transformer,
}


def write_tensor(array, name, path):
    tensor = numpy_helper.from_array(array, name)
    with open(path, "wb") as f:
        f.write(tensor.SerializeToString())


def initializers(path):
    return {t.name: numpy_helper.to_array(t).astype(np.float64)
            for t in onnx.load(path).graph.initializer
            if t.data_type in (onnx.TensorProto.FLOAT,
                               onnx.TensorProto.DOUBLE)}


def rms(a):
    return math.sqrt(float(np.mean(a * a))) if a.size else 0.0


def run(cmd):
    result = subprocess.run(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        sys.exit("%s exited with %d:\n%s" % (" ".join(cmd), result.returncode,
                                            result.stdout))
    return result.stdout


def loss_of(logits, labels):
    """Cross-entropy with the classes on the last axis, the mean over every
    position (pp-attach-loss's)."""
    return torch.nn.functional.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), labels.reshape(-1))


def reference(module, inputs, labels, steps, lr):
    """PyTorch's float64 trajectory: the loss of every step and the state
    dict after the last one."""
    module = copy.deepcopy(module).double().train()
    inputs = [x.double() if x.is_floating_point() else x for x in inputs]
    # Some models make tensors of the default type (causal masks filled
    # with the float64 minimum): let that be float64 too.
    default = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        return train_reference(module, inputs, labels, steps, lr)
    finally:
        torch.set_default_dtype(default)


def train_reference(module, inputs, labels, steps, lr):
    opt = torch.optim.SGD(module.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_of(module(*inputs), labels)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    # A tied weight once (the exporter writes one initializer for it).
    state, seen = {}, set()
    for key, value in module.state_dict(keep_vars=True).items():
        if value.dtype != torch.float64 or value.data_ptr() in seen:
            continue
        seen.add(value.data_ptr())
        state[key] = value.detach().numpy().astype(np.float64)
    return losses, state


def export_for_training(module, inputs, names, path):
    """torch.onnx.export as a user exports a model to train: training mode,
    no constant folding, a dynamic batch axis."""
    module.train()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, tuple(inputs), path, opset_version=OPSET,
                          training=torch.onnx.TrainingMode.TRAINING,
                          do_constant_folding=False, input_names=names,
                          output_names=["logits"],
                          dynamic_axes={n: {0: "batch"} for n in names})


def training_options(module, exported):
    """What a user tells pp about an export (docs/Exporting.md): the
    registered float buffers it wrote as initializers (frozen=) and the
    padding rows of embeddings (padding-index=NAME:ROW), which the export
    cannot carry."""
    buffers = sorted(n for n, b in module.named_buffers()
                     if b.is_floating_point() and n in exported)
    # A tied weight has several names; the export keeps one of them.
    weights = {}
    for n, p in module.state_dict(keep_vars=True).items():
        if n in exported:
            weights[id(p)] = n
    padding = sorted(set("%s:%d" % (weights[id(m.weight)], m.padding_idx)
                         for m in module.modules()
                         if isinstance(m, torch.nn.Embedding)
                         and m.padding_idx is not None
                         and id(m.weight) in weights))
    return buffers, padding


def prepare(name, dtype):
    """The module MODELS builds, its inputs (a tuple), labels and input
    names, in dtype ("float32" or "float64"), with every normalisation's
    epsilon rounded to float32."""
    torch.manual_seed(0)
    module, inputs, labels = MODELS[name]()
    # ONNX holds a normalisation's epsilon as a float32 attribute: train
    # the module with the epsilon the export can carry, or a float64
    # BatchNorm over a channel of tiny variance moves by 1e-6.
    for submodule in module.modules():
        if isinstance(getattr(submodule, "eps", None), float):
            submodule.eps = float(np.float32(submodule.eps))
    if not isinstance(inputs, tuple):
        inputs = (inputs,)
    names = getattr(module, "input_names", ["x"])
    if dtype == "float64":
        module = module.double()
        inputs = tuple(x.double() if x.is_floating_point() else x
                       for x in inputs)
    return module, inputs, labels, names


def check(name, args):
    work = os.path.join(args.work, name)
    if os.path.isdir(work):
        shutil.rmtree(work)
    os.makedirs(os.path.join(work, "data"))
    module, inputs, labels, names = prepare(name, args.dtype)
    onnx_path = os.path.join(work, name + ".onnx")
    default = torch.get_default_dtype()
    torch.set_default_dtype(
        torch.float64 if args.dtype == "float64" else torch.float32)
    try:
        export_for_training(module, inputs, names, onnx_path)
    finally:
        torch.set_default_dtype(default)
    for input_name, x in zip(names, inputs):
        write_tensor(x.numpy(), input_name,
                     os.path.join(work, "data", input_name + ".pb"))
    write_tensor(labels.numpy(), "labels",
                 os.path.join(work, "data", "labels.pb"))
    # Exporting in training mode ran the module once; both sides start from
    # the module as exported.
    want_losses, want_state = reference(module, inputs, labels, args.steps,
                                        args.lr)

    program = os.path.join(work, "program")
    saved = os.path.join(work, "trained.onnx")
    metrics = os.path.join(work, "metrics.jsonl")
    exported = set(initializers(onnx_path))
    buffers, padding = training_options(module, exported)
    pipeline = args.pipeline
    if buffers:
        pipeline += " frozen=" + ",".join(buffers)
    if padding:
        pipeline += " padding-index=" + ",".join(padding)
    run([args.pp_opt, onnx_path, "--dim", "batch=%d" % inputs[0].shape[0],
         "--pp-pipeline=" + pipeline, "--pp-export=" + program,
         "-o", os.devnull])
    run([args.pp_run, program, "--data", os.path.join(work, "data"),
         "--steps", str(args.steps), "--lr", repr(args.lr), "--save", saved,
         "--metrics", metrics])
    got_losses = [json.loads(line)["loss"] for line in open(metrics)]

    failures = []
    worst_overall = [0.0, ""]
    before = initializers(onnx_path)

    # The typical change of a parameter: a change far below it, or below
    # the weight's own size (a conv bias before a BatchNorm, whose exact
    # gradient is zero), is rounding noise.
    typical = rms(np.concatenate(
        [(want_state[k] - before[k]).ravel() for k in want_state
         if k in before] or [np.zeros(1)]))

    def compare(label, got, want, weight=None):
        floor = FLOOR * max(rms(weight), typical) if weight is not None else 0
        scale = max(rms(want), floor, 1e-30)
        error = np.abs(got - want) / np.maximum(np.abs(want), scale)
        worst = float(np.max(error)) if error.size else 0.0
        if worst > worst_overall[0]:
            worst_overall[:] = [worst, label]
        if worst > RTOL:
            failures.append("%s: relative error %.3g (limit %g)"
                            % (label, worst, RTOL))

    compare("loss", np.array(got_losses), np.array(want_losses))
    after = initializers(saved)
    compared = 0
    for key, want in want_state.items():
        if key in buffers:
            compare(key, after[key] - before[key], want - before[key],
                    before[key])
            compared += 1
            continue
        if key not in before:
            failures.append("%s: not an initializer of the export" % key)
            continue
        compare(key, after[key] - before[key], want - before[key],
                before[key])
        compared += 1
    for failure in failures:
        print("FAIL  %s %s" % (name, failure))
    print("%s: %d losses, %d tensors changed over %d SGD steps: %s"
          % (name, len(got_losses), compared, args.steps,
             "all within tolerance" if not failures else
             "%d outside tolerance" % len(failures)))
    if args.verbose:
        print("  losses: pp %s, PyTorch %s" % (
            ", ".join("%.10g" % x for x in got_losses),
            ", ".join("%.10g" % x for x in want_losses)))
        graph = onnx.load(onnx_path).graph
        print("  %s, %d ONNX nodes (%d op types), %d initializers; worst "
              "relative error %.2g (%s)" % (args.dtype, len(graph.node),
                                      len({n.op_type for n in graph.node}),
                                      len(graph.initializer),
                                      worst_overall[0], worst_overall[1]))
    return not failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("models", nargs="+", choices=sorted(MODELS))
    ap.add_argument("--work", required=True)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--verbose", action="store_true",
                    help="also print the graph's size and the worst error")
    ap.add_argument("--pipeline", default="num-stages=1",
                    help="--pp-pipeline options; keep one microbatch: "
                         "BatchNorm normalises each microbatch by itself")
    ap.add_argument("--dtype", choices=["float32", "float64"],
                    default="float32",
                    help="the exported model's element type: float64 trains "
                         "pp in float64 too, for models whose float32 "
                         "trajectory drifts from float64's by itself "
                         "(BatchNorm over a few values)")
    ap.add_argument("--pp-opt", default="pp-opt")
    ap.add_argument("--pp-run", default="pp-run")
    args = ap.parse_args()
    ok = all([check(name, args) for name in args.models])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
