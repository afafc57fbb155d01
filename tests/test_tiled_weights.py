"""Modules built with tiled draws (``tiled_weights``): the large random fills of a constructor
repeat one drawn block instead of drawing every value.

The checks that use a network's own initial weights (its output shapes, its forward as the
composition of its own layers, where its dropout is) compare them with nothing the statement
fixes, so only their distribution matters: VGG16's constructor drew 138 M random numbers in every
grading and every check(). These tests pin what the build keeps (each layer's own distribution,
every non-random fill, torch's errors) and that nothing of it outlives the constructor.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.sandbox import client
from autograder.sandbox.client import Limits, SandboxWorker
from autograder.sandbox.worker import TILE

SOURCE = '''
import torch
import torch.nn as nn

class Wide(nn.Module):
    """torch's own initialisation, a student's own normal_(0, 0.01), BatchNorm, a small layer."""
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5000, 40)
        self.norm = nn.BatchNorm1d(40)
        self.own = nn.Linear(3000, 20)
        nn.init.normal_(self.own.weight, 0, 0.01)
        self.own.bias.data.fill_(0.5)
        self.small = nn.Linear(30, 2)

    def forward(self, x):
        return self.fc(x)

class Fails(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(5000, 40)
        raise ValueError("constructor failed")

class FillsALeaf(nn.Module):
    """torch refuses an in-place fill of a leaf that requires grad: the same error either way."""
    def __init__(self):
        super().__init__()
        torch.ones(5000, requires_grad=True).uniform_()

class RewritesTheFills(nn.Module):
    """A hostile constructor that leaves its own fill in torch.Tensor."""
    def __init__(self):
        super().__init__()
        torch.Tensor.uniform_ = lambda tensor, *args, **kwargs: tensor.zero_()
        self.fc = nn.Linear(5000, 40)

def fills_are_torchs():
    return all(getattr(torch.Tensor, name) is getattr(torch._C.TensorBase, name) for name in ("uniform_", "normal_"))

def distinct_values_of_a_draw():
    return int(torch.empty(20000).uniform_().unique().numel())
'''


@pytest.fixture(scope="module")
def worker():
    with SandboxWorker(SOURCE, limits=Limits(memory_mb=3072, call_timeout=30, max_processes=32)) as w:
        assert w.start().ok
        yield w


def _state(worker, name: str) -> dict[str, np.ndarray]:
    handle = worker.call(name, tiled_weights=True).value
    return worker.method(handle, "state_dict").value


def _repeats_every_tile(values: np.ndarray) -> bool:
    flat = values.reshape(-1)
    return bool(np.array_equal(flat[TILE:], flat[:-TILE]))


def test_a_large_fill_repeats_one_block_drawn_from_the_layers_own_distribution(worker):
    state = _state(worker, "Wide")
    weight, bound = state["fc.weight"], 1 / 5000 ** 0.5
    assert _repeats_every_tile(weight)
    assert np.unique(weight[:1, :TILE]).size > TILE * 0.99  # one block: drawn, not a constant
    assert np.abs(weight).max() <= bound and 0.9 < weight.std() / (bound / 3 ** 0.5) < 1.1  # kaiming_uniform_(a=√5)
    assert not np.array_equal(weight[0], weight[1])  # a prime block: the rows are not one row repeated
    own = state["own.weight"]
    assert _repeats_every_tile(own) and 0.009 < own.std() < 0.011  # the student's own normal_(0, 0.01)
    np.testing.assert_array_equal(state["own.bias"], 0.5)  # arithmetic fills as written
    np.testing.assert_array_equal(state["norm.weight"], 1.0)
    np.testing.assert_array_equal(state["norm.bias"], 0.0)
    small = state["small.weight"]  # TILE values or fewer: drawn one by one, as always
    assert np.unique(small).size == small.size and np.abs(small).max() <= 1 / 30 ** 0.5


def test_the_same_build_without_tiling_draws_every_value(worker):
    handle = worker.call("Wide").value
    weight = worker.method(handle, "state_dict").value["fc.weight"]
    assert not _repeats_every_tile(weight)
    assert np.unique(weight).size > weight.size * 0.99


def test_nothing_of_the_tiling_outlives_the_constructor(worker):
    _state(worker, "Wide")
    assert worker.call("fills_are_torchs").value is True
    assert worker.call("distinct_values_of_a_draw").value > 19_900
    with pytest.raises(client.StudentError, match="constructor failed"):
        worker.call("Fails", tiled_weights=True)
    assert worker.call("fills_are_torchs").value is True


def test_torchs_errors_are_the_same_with_tiling(worker):
    messages = []
    for tiled in (False, True):
        with pytest.raises(client.StudentError) as raised:
            worker.call("FillsALeaf", tiled_weights=tiled)
        messages.append(str(raised.value))
    assert "leaf Variable that requires grad" in messages[1]
    assert messages[0] == messages[1]


def test_a_constructor_that_rewrites_the_fills_does_not_keep_them(worker):
    """Its own build is what it made it (zeros); every later call sees torch's fills again."""
    assert not _state(worker, "RewritesTheFills")["fc.weight"].any()
    assert worker.call("fills_are_torchs").value is True
