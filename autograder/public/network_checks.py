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
import torch.nn.functional as F

from autograder.grading.harness import FLOAT32_ATOL, check_close, describing, fail
from autograder.i18n import _
from autograder.public.golden import chosen_weights
from autograder.public.module_spec import ChosenWeights
from autograder.public.part_hints import NET_HINT

#: Where torchvision's classifiers keep their linear layers (state_dict classifier.N), and the
#: size of the average pooling before them: the statement's layout of AlexNet and VGG16.
LINEAR_LAYERS = {"AlexNet": ("classifier.1", "classifier.4", "classifier.6"),
                 "vgg16": ("classifier.0", "classifier.3", "classifier.6")}
POOL_SIZE = {"AlexNet": (6, 6), "vgg16": (7, 7)}


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
        fail(_("a torch.Tensor was expected; got {type}.",
               type=result.info.get("type", type(result.value).__name__)))
    return torch.as_tensor(np.array(result.value))


def check_dropout_rate(dropout, p: float, label: str) -> None:
    """In train mode the module zeroes a fraction p of its input and scales the rest by 1/(1 - p);
    in eval mode it is the identity. 40 000 values: the fraction is p within 0.03 (over 12 sigma)."""
    ones = torch.ones(200, 200)
    with describing(_("{label} on an input of ones (200, 200)", label=label)):
        kept = as_tensor(dropout.train().forward(ones))
        zero_fraction = float((kept == 0).double().mean())
        scaled = kept[kept != 0]
        if abs(zero_fraction - p) > 0.03 or not torch.allclose(scaled, torch.full_like(scaled, 1 / (1 - p))):
            fail(_("in train mode it zeroed {zeroed:.1%} of the values and left the others between "
                   "{low:.4g} and {high:.4g}; zeroing {p:.0%} and scaling "
                   "by {scale:.4g} was expected.\nHint: use nn.Dropout(p={p}).", zeroed=zero_fraction,
                   low=float(kept.min()), high=float(kept.max()), p=p, scale=1 / (1 - p)))
        if not torch.equal(as_tensor(dropout.eval().forward(ones)), ones):
            fail(_("in eval mode the dropout changed its input; in eval it must do nothing.\nHint: use nn.Dropout."))


#: Where each network's logits come from: the layer :func:`check_dropout_only_where_stated` gives
#: weights of its own (the statement's names).
LAST_LAYER = {**{name: layers[-1] for name, layers in LINEAR_LAYERS.items()}, "GoogLeNet": "fc"}


def check_dropout_only_where_stated(net, name: str, x, dropouts) -> None:
    """The statement's dropout layers (``dropouts``, e.g. ``["classifier.0", "classifier.3"]``)
    are on the forward's path, and nothing else differs between train and eval mode: a train-mode
    output differs from the eval-mode one, and equals it once those layers alone are put in eval
    mode (an extra ``F.dropout`` or a dropout in ``features`` shows there). Three forwards: each
    one of AlexNet's or VGG16's passes through the classifier's hundred million weights.

    The last layer first gets weights chosen here: the statement says nothing about how a network
    is initialised, and a correct one whose last layer starts at zero returns its bias in both
    modes, which would look like a dropout that is not there."""
    last = net.submodule(LAST_LAYER[name])
    with describing(LAST_LAYER[name]):
        shapes = last.describe()["parameters"]
        last.load_reference_state(ChosenWeights(chosen_weights({"parameters": shapes, "buffers": {}}, seed=0)))
    plain = as_tensor(net.eval().forward(x))
    trained = as_tensor(net.train().forward(x))
    if torch.equal(trained, plain):
        fail(_("in train mode the forward gave exactly what it gives in eval mode: the dropout is not on the "
               "forward's path.\n"
               "Hint: apply the dropout layers in forward (inside classifier, or self.dropout before fc)."))
    for path in dropouts:
        net.submodule(path).eval()
    with describing(_("train mode with {layers} in eval mode", layers=", ".join(dropouts))):
        if not torch.equal(as_tensor(net.forward(x)), plain):
            fail(_("with the assignment's dropout layers turned off, train mode still differs from eval mode: "
                   "something else is random or only runs in training.\n"
                   "Hint: only the dropout layers of the assignment (nn.Dropout, where it says), no F.dropout "
                   "and no other layer that behaves differently in training."))
    net.train()


def dropout_paths(net, prefix: str) -> list[str]:
    """The names of the nn.Dropout modules under ``prefix`` (e.g. "classifier.")."""
    return [name for name, kind in net.describe()["modules"].items() if name.startswith(prefix) and kind == "Dropout"]


def check_forward_composes(net, name: str, classes: int, inputs, device: str) -> None:
    """``net(x) == classifier(flatten(avgpool(features(x))))`` in eval mode, the classifier being
    the student's own three linear layers with ReLU after the first two (the statement's
    composition: no ReLU or softmax on the logits). No weights cross the pipe, so the composition
    is only as telling as the student's own initial weights: logits that are not finite fail."""
    net = net.eval()
    first, second, last = (net.submodule(path).eval() for path in LINEAR_LAYERS[name])
    for x in inputs:
        with describing(_("{name}(num_classes={classes}), eval mode, x: {shape}", name=name, classes=classes,
                          shape=tuple(x.shape))):
            mapped = as_tensor(net.submodule("features").eval().forward(x))
            flat = torch.flatten(F.adaptive_avg_pool2d(mapped, POOL_SIZE[name]), 1)
            hidden = torch.relu(as_tensor(first.forward(flat)))
            hidden = torch.relu(as_tensor(second.forward(hidden)))
            expected = as_tensor(last.forward(hidden))
            if not bool(torch.isfinite(expected).all()):
                # NaN (or infinite) weights would make both sides NaN, equal whatever the forward
                # does (the red team hid a max pool behind a last layer of NaN); no sane
                # initialisation gives such logits.
                fail(_("with its own initial weights the classifier gives values that are not finite (NaN or "
                       "infinity), so the forward cannot be compared with classifier(flatten(avgpool(features(x)))).\n"
                       "Hint: initialise the linear layers with finite values (torch's default does)."))
            # Relative to the logits' size: with small initial weights they are about 1e-2, and a
            # max-pooling where avgpool goes changed them by less than float32's default atol.
            scale = max(float(expected.abs().max()), 1e-6)
            check_close(net.forward(x), expected.to(device), atol=FLOAT32_ATOL * scale, hint=NET_HINT[name])
