#!/usr/bin/env python3
"""The parity check is tight enough to catch the usual training-step bugs.

    check_mutants.py [--examples DIR]

Runs check_parity.py's comparison on PyTorch float32 steps that each carry
one deliberate bug (a "mutant") and prints, per mutant, which groups of
tensors failed (`grad`, `loss`, or an update or state directory). Exits 1 if
any mutant passes the check. Each bug is one an implementation of the
training step could plausibly make, and several change the result by far
less than 1e-4 of the weights (hence the comparison of changes).
"""

import argparse
import contextlib
import io
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import check_parity  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--examples", default=os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(HERE))), "examples"))
    examples = ap.parse_args().examples
    sys.path.insert(0, examples)
    import export_models as em
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    make_optimizer = em.make_optimizer

    def optimizer_with(kind_to_factory):
        def factory(kind, params):
            if kind in kind_to_factory:
                return kind_to_factory[kind](params)
            return make_optimizer(kind, params)
        return factory

    a = em.ADAMW

    class EvalBatchNorm(nn.BatchNorm2d):
        """Normalises with the running statistics even in train mode."""

        def forward(self, x):
            return F.batch_norm(x, self.running_mean, self.running_var,
                                self.weight, self.bias, False, 0.0, self.eps)

    class BiasedVarBatchNorm(nn.BatchNorm2d):
        """Updates running_var with the biased (divide by n) variance."""

        def forward(self, x):
            y = F.batch_norm(x, None, None, self.weight, self.bias, True,
                             0.0, self.eps)
            with torch.no_grad():
                m = self.momentum
                self.running_mean.mul_(1 - m).add_(m * x.mean((0, 2, 3)))
                self.running_var.mul_(1 - m).add_(
                    m * x.var((0, 2, 3), unbiased=False))
            return y

    def with_batchnorm(cls, momentum=None):
        def build():
            model, inputs, labels = em.build_resnet()
            for module in model.modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.__class__ = cls
                    if momentum is not None:
                        module.momentum = momentum
            return model, inputs, labels
        return build

    def untied_gpt():
        """The tied head gets a weight of its own: the embedding's gradient
        misses the head's share."""
        model, inputs, labels = em.build_gpt(True)
        model.lm_head.weight = nn.Parameter(
            model.tok_emb.weight.detach().clone())
        return model, inputs, labels

    class SummedLoss:
        """F with a cross-entropy summed over positions, not averaged."""

        def __getattr__(self, name):
            return getattr(F, name)

        @staticmethod
        def cross_entropy(logits, labels):
            return F.cross_entropy(logits, labels, reduction="sum")

    # name, model, what is patched: ("optimizer", factory), ("builder",
    # builder) or ("F", module).
    mutants = [
        ("adamw-without-weight-decay", "mlp", ("optimizer", {
            "adamw": lambda p: torch.optim.AdamW(
                p, lr=a["lr"], betas=(a["beta1"], a["beta2"]), eps=a["eps"],
                weight_decay=0.0)})),
        ("adam-with-l2-decay", "mlp", ("optimizer", {
            "adamw": lambda p: torch.optim.Adam(
                p, lr=a["lr"], betas=(a["beta1"], a["beta2"]), eps=a["eps"],
                weight_decay=a["weight_decay"])})),
        ("adamw-betas-swapped", "mlp", ("optimizer", {
            "adamw": lambda p: torch.optim.AdamW(
                p, lr=a["lr"], betas=(a["beta2"], a["beta1"]), eps=a["eps"],
                weight_decay=a["weight_decay"])})),
        ("sgd-momentum-not-kept", "mlp", ("optimizer", {
            "sgd": lambda p: torch.optim.SGD(
                p, lr=em.SGD["lr"], momentum=0.0,
                weight_decay=em.SGD["weight_decay"])})),
        ("cross-entropy-summed", "mlp", ("F", SummedLoss())),
        ("tied-gradient-not-summed", "tiny_gpt", ("builder", untied_gpt)),
        ("batchnorm-running-statistics", "tiny_resnet",
         ("builder", with_batchnorm(EvalBatchNorm))),
        ("batchnorm-biased-running-var", "tiny_resnet",
         ("builder", with_batchnorm(BiasedVarBatchNorm))),
        ("batchnorm-onnx-momentum", "tiny_resnet",
         ("builder", with_batchnorm(nn.BatchNorm2d, momentum=0.9))),
    ]

    torch.use_deterministic_algorithms(True)
    escaped = []
    for name, model, (kind, patch) in mutants:
        golden = check_parity.Golden(examples, model)
        saved = (em.make_optimizer, em.F, dict(em.MODELS))
        if kind == "optimizer":
            em.make_optimizer = optimizer_with(patch)
        elif kind == "F":
            em.F = patch
        else:
            em.MODELS[model] = (patch,) + em.MODELS[model][1:]
        try:
            results = check_parity.torch_float32_results(golden, examples)
            with contextlib.redirect_stdout(io.StringIO()):
                report = check_parity.check(golden, results, verbose=False)
        finally:
            em.make_optimizer, em.F = saved[0], saved[1]
            em.MODELS.clear()
            em.MODELS.update(saved[2])
        groups = sorted({label.split("/")[0].split(" ")[0]
                         for label in report.failed})
        if groups:
            print("caught %s on %s: %s" % (name, model, ", ".join(groups)))
        else:
            print("ESCAPED %s on %s" % (name, model))
            escaped.append(name)
    return 1 if escaped else 0


if __name__ == "__main__":
    sys.exit(main())
