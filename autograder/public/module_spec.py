"""Public checks of module parts against the statement's specification (no reference code).

The statement fixes every parameter's name and shape (``conv1``, ``bn1``, ``downsample.0``...);
``spec_table.json`` (written by ``autograder build``) lists them for a few constructor calls. A
public check builds the student's module, loads weights CHOSEN BY THE CHECK under those names
(zeros, BatchNorm at its initial state, a few known values), and checks properties that follow
from the statement alone: e.g. a residual block whose convolutions are zero returns relu(x).
Example::

    spec = specs_of("ResidualBlock")[0]
    block = build_with_weights(student, spec, device, {"conv1.weight": 0.0})
    check_close(block.forward(x), torch.relu(x))
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from autograder.grading.harness import StudentRaised, check_close, check_equal, describing, fail
from autograder.i18n import N_, _
from autograder.public import golden

#: {label: {"module", "init", "parameters", "buffers"}}: autograder/content/spec_table.py writes it.
SPECS: dict[str, dict] = json.loads(Path(__file__).with_name("spec_table.json").read_text(encoding="utf-8"))["specs"]


def specs_of(module: str) -> list[dict]:
    """The spec-table entries of one module class, in table order."""
    return [spec for spec in SPECS.values() if spec["module"] == module]


def spec_label(spec: dict) -> str:
    """``ResidualBlock(in_channels=2, out_channels=4, stride=2)``: how a failure names the module."""
    init = ", ".join(f"{k}={tuple(v) if isinstance(v, list) else v!r}" for k, v in spec["init"].items())
    return f"{spec['module']}({init})"


def init_kwargs(spec: dict) -> dict:
    """Constructor keyword arguments (lists from the table become tuples, e.g. c2=(3, 4))."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in spec["init"].items()}


class ChosenWeights:
    """Weights with the statement's names and shapes and values picked by a check.

    It stands in for a reference module in ``StudentModule.load_reference_state``, which only
    needs ``state_dict()``: that call compares names and shapes and then loads the values.
    """

    def __init__(self, tensors: dict[str, torch.Tensor]):
        self.tensors = tensors

    def state_dict(self) -> dict[str, torch.Tensor]:
        return dict(self.tensors)


def initial_weights(spec: dict, *, seed: int | None = None) -> dict[str, torch.Tensor]:
    """Every tensor of ``spec``: BatchNorm at its initial state (weight 1, bias 0, mean 0, var 1);
    other parameters zero, or small random values from ``seed``."""
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    batch_norms = {name.rsplit(".", 1)[0] for name in spec["buffers"] if name.endswith("running_mean")}
    tensors: dict[str, torch.Tensor] = {}
    for name, shape in spec["parameters"].items():
        owner, leaf = name.rsplit(".", 1) if "." in name else ("", name)
        if owner in batch_norms:
            tensors[name] = torch.ones(shape, dtype=torch.float64) if leaf == "weight" else torch.zeros(shape, dtype=torch.float64)
        elif generator is not None:
            fan_in = max(1, int(np.prod(shape[1:]))) if len(shape) > 1 else 1
            tensors[name] = torch.randn(shape, generator=generator, dtype=torch.float64) / fan_in**0.5
        else:
            tensors[name] = torch.zeros(shape, dtype=torch.float64)
    for name, shape in spec["buffers"].items():
        if name.endswith("num_batches_tracked"):
            tensors[name] = torch.zeros(shape, dtype=torch.int64)
        elif name.endswith("running_var"):
            tensors[name] = torch.ones(shape, dtype=torch.float64)
        else:
            tensors[name] = torch.zeros(shape, dtype=torch.float64)
    return tensors


def build_with_weights(student, spec: dict, device: str, weights: dict[str, torch.Tensor] | None = None):
    """The student's module for ``spec`` in float64 on ``device``, holding ``weights``.

    Fails listing missing, unexpected and mis-shaped names when the module does not follow the
    statement. ``weights`` defaults to :func:`initial_weights` (zeros, BatchNorm at init).
    """
    label = spec_label(spec)
    module = student.build(spec["module"], case=label, weights_follow=torch.float64, **init_kwargs(spec))
    with describing(label):
        module.double()
        if device != "cpu":
            module.to(device)
        module.load_reference_state(ChosenWeights(weights if weights is not None else initial_weights(spec)))
    return module


def build_plain(student, spec: dict, device: str):
    """The student's module for ``spec`` in float64 on ``device``, with its own initial weights.

    For checks where the values do not matter (output shapes): nothing crosses the pipe but x.
    """
    module = student.build(spec["module"], case=spec_label(spec), **init_kwargs(spec))
    with describing(spec_label(spec)):
        module.double()
        if device != "cpu":
            module.to(device)
    return module


def check_layout(module, spec: dict) -> None:
    """Fail unless the module's parameter and buffer names and shapes are those of ``spec``.

    Like loading weights by name, but without sending any (a ResNet-18 has 11.7 M of them).
    """
    info = module.describe()
    found = {name: tuple(shape) for group in ("parameters", "buffers") for name, shape in info[group].items()}
    expected = {name: tuple(shape) for group in ("parameters", "buffers") for name, shape in spec[group].items()}
    missing = [name for name in expected if name not in found]
    unexpected = [name for name in found if name not in expected]
    reshaped = [_("{name}: {expected} was expected, it has {got}", name=name, expected=expected[name], got=found[name])
                for name in expected
                if name in found and found[name] != expected[name]]
    if not (missing or unexpected or reshaped):
        return
    lines = [_("The parameters of `{module}` do not match the assignment (names and shapes).",
               module=spec["module"])]
    for title, names in ((_("Missing: "), missing), (_("Extra: "), unexpected), (_("With another shape: "), reshaped)):
        if names:
            lines.append(title + ", ".join(names[:10]) + (" …" if len(names) > 10 else ""))
    lines.append(_("Hint: use exactly the attribute names of the assignment (e.g. conv1, bn1, downsample)."))
    with describing(spec_label(spec)):
        fail("\n".join(lines))


def check_output_shape(got, expected: tuple, *, hint: str) -> None:
    """Fail unless ``got`` (a CallResult) is a tensor of shape ``expected``."""
    value = got.value
    if not isinstance(value, np.ndarray):
        fail(_("the forward should have returned a torch.Tensor; it returned {type}.",
               type=got.info.get("type", type(value).__name__)))
    check_equal(tuple(value.shape), tuple(expected), what=N_("the output shape"), hint=hint)


def parameter_count(spec: dict) -> int:
    """Scalars in the parameters of ``spec`` (e.g. 11,689,512 for ResNet18())."""
    return int(sum(int(np.prod(shape)) for shape in spec["parameters"].values()))


def check_module_input_unchanged_public(module, x) -> None:
    """The module's forward does not modify ``x`` in place (sent as a leaf that requires grad,
    which torch refuses to modify in place)."""
    try:
        module.forward(x, grad_wrt=(0,))
    except StudentRaised as exc:
        if "in-place" not in str(exc) and "inplace" not in str(exc):
            raise
        fail(_("the forward modified its input in place (in-place).\n"
               "Hint: do not use in-place operations (ReLU(inplace=True), x += ...) on the input."))


#: The same hint the grade gives when a buffer differs after a forward in train mode.
BUFFERS_HINT = N_("use nn.BatchNorm2d (with its running statistics) exactly where the assignment says, once per forward.")


def check_known_outputs(student, device: str, module: str, *, hint: str, mode: str = "eval", network=None) -> None:
    """The student's ``module``, holding :func:`golden.chosen_weights`, returns in ``mode`` what
    the statement's module returned for the same weights and input (golden_outputs.json); in
    train mode its buffers (BatchNorm's running statistics) afterwards are the statement's too.

    A case that names a submodule (VGG16's ``features``) is checked on that submodule of
    ``network``, the student's network the caller already built (it shares one across tests).
    Float32 cases are compared with float32's tolerances (check_close reads them from the dtype)."""
    for case in golden.cases_of(module):
        if mode == "train" and "train" not in case:
            continue
        spec = SPECS[case["spec"]]
        dtype = getattr(torch, case["dtype"])
        label = spec_label(spec) + (f".{case['submodule']}" if case["submodule"] else "")
        weights = golden.chosen_weights(spec, case["seed"], prefix=f"{case['submodule']}." if case["submodule"] else "",
                                        dtype=dtype)
        if case["submodule"] is None:
            net = build_with_weights(student, spec, device, weights)
        else:
            net = network.submodule(case["submodule"])
            with describing(label):
                net.float() if dtype == torch.float32 else net.double()
                net.load_reference_state(ChosenWeights(weights))
        x = golden.chosen_input(case["x"], case["seed"], case["dtype"])
        if mode == "eval":
            with describing(label, _("weights and input chosen by the check, eval mode, x: {shape}", shape=tuple(x.shape))):
                check_close(net.eval().forward(x), golden.expected_output(case).to(device), hint=hint)
            continue
        with describing(label, _("weights and input chosen by the check, train mode, x: {shape}", shape=tuple(x.shape))):
            check_close(net.train().forward(x), golden.expected_output(case, "train").to(device), hint=hint)
            state = net.state_dict()
            for name, expected in golden.expected_buffers(case, spec).items():
                if name not in state:
                    fail(_("the buffer {name} is missing from state_dict().", name=name))
                check_close(state[name], expected, what=f"{name} {_('after a forward in train mode')}", hint=BUFFERS_HINT)
