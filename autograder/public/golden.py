"""Known outputs of the module parts, for the public checks: what the statement's module returns
for weights and inputs the check chooses.

A public check has no reference code, so a module's values could only be checked through
properties (zero convolutions leave relu(x)...), and bugs such properties cannot see (an average
pooling where the statement says max, a missing ReLU after a reduction) passed ``check()`` and
then lost points in the grade. ``autograder build`` runs the reference on the inputs of
:data:`golden_outputs.json <GOLDEN_FILE>` with :func:`chosen_weights` loaded and writes what it
returned (autograder/content/golden_outputs.py); the public check loads the same weights into the
student's module and compares. Outputs for fixed inputs, as a CS231n notebook prints its expected
values: no code of the reference, and the grade draws other weights and inputs.

The values come from an integer hash of (seed, tensor name, index), not from a random number
generator, so every machine and every torch or numpy version builds the same bits. Example::

    case = cases_of("LeNet")[0]
    weights = chosen_weights(SPECS[case["spec"]], case["seed"])
    x = chosen_input(case["x"], case["seed"], case["dtype"])
"""
from __future__ import annotations

import functools
import json
import zlib
from pathlib import Path

import numpy as np
import torch

#: Written by ``autograder build`` beside this module (package data the wheel ships for check()).
GOLDEN_FILE = Path(__file__).with_name("golden_outputs.json")

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15


def hashed_uniform(count: int, stream: int) -> np.ndarray:
    """``count`` float64 values in [-1, 1): splitmix64 of ``stream`` plus each index (exact
    integer arithmetic, so the same on every machine)."""
    z = np.arange(count, dtype=np.uint64) + np.uint64((stream * _GOLDEN) & _MASK)
    z *= np.uint64(_GOLDEN)
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) * (2.0 / 2**53) - 1.0


def _values(name: str, shape, seed: int) -> np.ndarray:
    stream = (seed << 32) | zlib.crc32(name.encode("utf-8"))
    return hashed_uniform(int(np.prod(shape, dtype=np.int64)), stream).reshape(tuple(shape))


def _chosen_arrays(spec: dict, seed: int, prefix: str) -> dict[str, np.ndarray]:
    batch_norms = {name.rsplit(".", 1)[0] for name in spec["buffers"] if name.endswith("running_mean")}
    arrays = {}
    for name, shape in spec["parameters"].items():
        if not name.startswith(prefix):
            continue
        owner, leaf = name.rsplit(".", 1) if "." in name else ("", name)
        u = _values(name, shape, seed)
        if owner in batch_norms:  # far from the initial state, so a missing BatchNorm shows in eval mode
            arrays[name] = 0.75 + 0.25 * u if leaf == "weight" else 0.1 * u
        elif len(shape) > 1:  # He-like scale: activations stay of order one through deep networks
            fan_in = int(np.prod(shape[1:]))
            arrays[name] = u * (6.0 / fan_in) ** 0.5
        else:
            arrays[name] = 0.1 * u
    for name, shape in spec["buffers"].items():
        if not name.startswith(prefix):
            continue
        if name.endswith("num_batches_tracked"):
            arrays[name] = np.zeros(shape, dtype=np.int64)
        elif name.endswith("running_var"):
            arrays[name] = 0.75 + 0.25 * _values(name, shape, seed)
        else:
            arrays[name] = 0.1 * _values(name, shape, seed)
    return arrays


def chosen_weights(spec: dict, seed: int, *, prefix: str = "", dtype: torch.dtype = torch.float64) -> dict:
    """Every parameter and buffer of ``spec`` (those under ``prefix``, renamed without it), with
    hashed values: He-scaled weights, BatchNorm far from its initial state. The tensors are
    shared between calls (a warm ``check()`` reuses VGG16's 14.7 M): read them, do not modify them."""
    return dict(_chosen_tensors(json.dumps(spec, sort_keys=True), seed, prefix, dtype))


@functools.lru_cache(maxsize=4)
def _chosen_tensors(spec_json: str, seed: int, prefix: str, dtype: torch.dtype) -> dict:
    arrays = _chosen_arrays(json.loads(spec_json), seed, prefix)
    return {name[len(prefix):]: (torch.from_numpy(a) if a.dtype == np.int64 else torch.from_numpy(a).to(dtype))
            for name, a in arrays.items()}


def chosen_input(shape, seed: int, dtype: str = "float64") -> torch.Tensor:
    """An input of ``shape`` with hashed values of unit variance."""
    return torch.from_numpy(3.0**0.5 * _values("x", shape, seed)).to(getattr(torch, dtype))


@functools.lru_cache(maxsize=1)
def _golden() -> dict:
    return json.loads(GOLDEN_FILE.read_text(encoding="utf-8"))["cases"]


def cases_of(module: str) -> list[dict]:
    """The known outputs of one module class, in file order: {"spec", "module", "submodule",
    "x", "seed", "dtype", "shape", "values"} and, for some, "train": {"values", "buffers"}."""
    return [case for case in _golden().values() if case["module"] == module]


def expected_output(case: dict, mode: str = "eval") -> torch.Tensor:
    """The output the reference gave for ``case`` in ``mode``, as a tensor of the case's dtype."""
    values = case["values"] if mode == "eval" else case["train"]["values"]
    return torch.tensor(values, dtype=torch.float64).reshape(case["shape"]).to(getattr(torch, case["dtype"]))


def expected_buffers(case: dict, spec: dict) -> dict[str, torch.Tensor]:
    """Every buffer of the reference after its train-mode forward (``num_batches_tracked`` an int64)."""
    found = {}
    for name, values in case["train"]["buffers"].items():
        tensor = torch.tensor(values, dtype=torch.float64).reshape(spec["buffers"][name])
        found[name] = tensor.to(torch.int64 if name.endswith("num_batches_tracked") else getattr(torch, case["dtype"]))
    return found
