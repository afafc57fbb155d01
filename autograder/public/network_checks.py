"""Checks of whole networks that follow from the statement alone (shared by the public and the
hidden suites): dropout measured on its own module, and a network built once per grading.

AlexNet and VGG16 hold 61 M and 138 M parameters: building one takes seconds and sending its
weights across the worker's pipe would take a gigabyte, so the suites build each network once,
look at it piece by piece (``StudentModule.submodule``) and drop its weights when done. Example::

    net = networks.get(student, "vgg16", num_classes=7)
    check_dropout_rate(net.submodule("classifier.2"), 0.5, "classifier.2")
    networks.drop()
"""
from __future__ import annotations

import numpy as np
import torch

from autograder.grading.harness import describing, fail


class OneBigNetwork:
    """The student's network for one constructor call, built once and shared by the tests of its
    part; the previous network's weights are released before another one is built (memory)."""

    def __init__(self):
        self.key, self.module = None, None

    def get(self, student, name: str, device: str = "cpu", **init):
        """The network ``name(**init)`` in float32 on ``device`` (the worker moves every input there)."""
        key = (id(student), name, device, tuple(sorted(init.items())))
        if self.key == key:
            return self.module
        self.drop()
        label = f"{name}({', '.join(f'{k}={v!r}' for k, v in init.items())})"
        module = student.build(name, case=label, **init)
        if device != "cpu":
            with describing(label):
                module.to(device)
        self.key, self.module = key, module
        return module

    def drop(self) -> None:
        module, self.key, self.module = self.module, None, None
        if module is not None:
            try:
                module.release()
            except Exception:  # noqa: BLE001 - a module that refuses .to("meta") only costs memory
                pass


#: One shared instance per suite process (a grading runs one submission).
networks = OneBigNetwork()


def as_tensor(result) -> torch.Tensor:
    """A CallResult's array as a tensor (a failure when the student returned something else)."""
    if not isinstance(result.value, np.ndarray):
        fail(f"se esperaba un torch.Tensor; se obtuvo {result.info.get('type', type(result.value).__name__)}.")
    return torch.as_tensor(np.array(result.value))


def check_dropout_rate(dropout, p: float, label: str) -> None:
    """In train mode the module zeroes a fraction p of its input and scales the rest by 1/(1 - p);
    in eval mode it is the identity. 40 000 values: the fraction is p within 0.03 (over 12 sigma)."""
    ones = torch.ones(200, 200)
    with describing(f"{label} sobre una entrada de unos (200, 200)"):
        kept = as_tensor(dropout.train().forward(ones))
        zero_fraction = float((kept == 0).double().mean())
        scaled = kept[kept != 0]
        if abs(zero_fraction - p) > 0.03 or not torch.allclose(scaled, torch.full_like(scaled, 1 / (1 - p))):
            fail(f"en modo train apagó {zero_fraction:.1%} de los valores y dejó los demás entre "
                 f"{float(kept.min()):.4g} y {float(kept.max()):.4g}; se esperaba apagar {p:.0%} y escalar "
                 f"a {1 / (1 - p):.4g}.\nPista: usa nn.Dropout(p={p}).")
        if not torch.equal(as_tensor(dropout.eval().forward(ones)), ones):
            fail("en modo eval el dropout cambió su entrada; en eval no debe hacer nada.\nPista: usa nn.Dropout.")


def check_train_differs_eval_repeats(net, x) -> None:
    """Dropout is on the forward's path: two train-mode outputs differ, two eval ones agree."""
    first, second = as_tensor(net.train().forward(x)), as_tensor(net.train().forward(x))
    if torch.equal(first, second):
        fail("en modo train dos forward dieron exactamente lo mismo: el dropout no está en el camino del forward.\n"
             "Pista: aplica las capas de dropout en forward (dentro de classifier, o self.dropout antes de fc).")
    first, second = as_tensor(net.eval().forward(x)), as_tensor(net.eval().forward(x))
    if not torch.equal(first, second):
        fail("en modo eval dos forward dieron resultados distintos: en eval nada es aleatorio.\n"
             "Pista: usa nn.Dropout (que se apaga en eval) en vez de F.dropout(..., training=True).")


def dropout_paths(net, prefix: str) -> list[str]:
    """The names of the nn.Dropout modules under ``prefix`` (e.g. "classifier.")."""
    return [name for name, kind in net.describe()["modules"].items() if name.startswith(prefix) and kind == "Dropout"]
