"""Reference weights cross to the worker once: kept arrays, and modules built for loading.

A ResNet-18's 11 M float64 weights are the same in every configuration the suites try
(tests/hidden/module_checks.py draws each tensor from its name), so the worker keeps an array the
trusted side marks (``client.Kept``) and later requests name it by its digest. A module whose
every weight is loaded right after its construction is built in the dtype they come in, without
drawing initial weights nobody reads (``weights_follow``). Neither may change a verdict: the
protocol stays strict (the trusted side accepts neither from the worker), and a module built for
loading ends with exactly the state of one built, converted and loaded as before.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from autograder.sandbox import client, protocol
from autograder.sandbox.client import Kept, Limits, SandboxWorker

SOURCE = '''
import sys
import torch
import torch.nn as nn
import torch.nn.functional as F

class Net(nn.Module):
    def __init__(self, width=64):
        super().__init__()
        self.conv = nn.Conv2d(3, width, 3, padding=1)
        self.norm = nn.BatchNorm2d(width)
        self.fc = nn.Linear(width, 2)
        self.dtype_seen = str(torch.get_default_dtype())
        self.ones_in_init = float(nn.init.ones_(torch.zeros(2)).sum()) if width == 7 else None

    def forward(self, x):
        return self.fc(F.relu(self.norm(self.conv(x))).mean((2, 3)))

class SizedByADummyForward(nn.Module):
    """As students write it: the classifier's input size from a forward in __init__ (a print too)."""
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2))
        size = self.features(torch.zeros(1, 1, 12, 12)).flatten(1).shape[1]
        print("tamaño:", size)
        self.fc = nn.Linear(size, 3)

    def forward(self, x):
        return self.fc(self.features(x).flatten(1))

class Fails(nn.Module):
    def __init__(self):
        super().__init__()
        raise ValueError("constructor failed")

def default_dtype():
    return str(torch.get_default_dtype())

def init_ones():
    return float(nn.init.ones_(torch.zeros(3)).sum())

def attribute(module, name):
    return getattr(module, name)

def corrupt_kept():
    """A hostile submission: zero every array its worker keeps for the trusted side (gc.get_objects
    is refused in the worker; the caller's frames are not)."""
    frame = sys._getframe()
    while frame is not None:
        session = frame.f_locals.get("self")
        if isinstance(getattr(session, "kept", None), dict):
            for array in session.kept.values():
                array[...] = 0
            return len(session.kept)
        frame = frame.f_back
    return -1
'''


@pytest.fixture(scope="module")
def worker():
    with SandboxWorker(SOURCE, limits=Limits(memory_mb=3072, call_timeout=30, max_processes=32)) as w:
        assert w.start().ok
        yield w


class _Net(torch.nn.Module):
    """The trusted side's twin of the submission's Net."""

    def __init__(self, width=64):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, width, 3, padding=1)
        self.norm = torch.nn.BatchNorm2d(width)
        self.fc = torch.nn.Linear(width, 2)

    def forward(self, x):
        return self.fc(torch.relu(self.norm(self.conv(x))).mean((2, 3)))


def _reference(width=64) -> torch.nn.Module:
    torch.manual_seed(3)
    net = _Net(width)
    with torch.no_grad():
        net.norm.running_mean.uniform_(-1, 1)
        net.norm.running_var.uniform_(0.5, 1.5)
    return net.double()


def _sent_bytes(monkeypatch) -> list[int]:
    """The array bytes of every request written to a worker from now on."""
    sizes: list[int] = []
    write = protocol.write_message

    def counting(fd, header, buffers, deadline=None):
        sizes.append(sum(len(b) for b in buffers))
        return write(fd, header, buffers, deadline)

    monkeypatch.setattr(client.protocol, "write_message", counting)
    return sizes


def _forward(worker, handle, x):
    worker.method(handle, "eval")
    return worker.method(handle, "forward", (x,)).value


# --- the protocol on its own -------------------------------------------------------------------------

def test_a_kept_array_is_named_by_its_key_afterwards():
    store: dict = {}
    array = np.arange(6.0)
    header, buffers = protocol.pack({"v": protocol.KeptArray(array, "k1")})
    first = protocol.unpack(header["v"], buffers, layouts=True, kept=store)
    header, buffers = protocol.pack({"v": protocol.KeptRef("k1")})
    assert buffers == []
    again = protocol.unpack(header["v"], buffers, layouts=True, kept=store)
    assert np.array_equal(first, array) and again is store["k1"]


def test_the_trusted_side_accepts_neither_a_kept_array_nor_a_reference_to_one():
    for value in (protocol.KeptArray(np.zeros(3), "k"), protocol.KeptRef("k")):
        header, buffers = protocol.pack({"v": value})
        with pytest.raises(protocol.ProtocolError):
            protocol.unpack(header["v"], buffers)  # the client reads replies without a store


@pytest.mark.parametrize("node", [{"$kept": "missing"}, {"$kept": ""}, {"$kept": "x" * 101}, {"$kept": 3},
                                  {"$kept": "k", "extra": 1}])
def test_a_reference_to_nothing_kept_is_refused(node):
    with pytest.raises(protocol.ProtocolError):
        protocol.unpack(node, [], layouts=True, kept={"k": np.zeros(1)})


def test_the_worker_keeps_no_more_than_its_cap(monkeypatch):
    monkeypatch.setattr(protocol, "MAX_KEPT_BYTES", 64)
    store: dict = {}
    header, buffers = protocol.pack({"v": protocol.KeptArray(np.zeros(8), "a")})  # 64 bytes: fits
    protocol.unpack(header["v"], buffers, layouts=True, kept=store)
    header, buffers = protocol.pack({"v": protocol.KeptArray(np.zeros(1), "b")})
    with pytest.raises(protocol.ProtocolError):
        protocol.unpack(header["v"], buffers, layouts=True, kept=store)
    header, buffers = protocol.pack({"v": protocol.KeptArray(np.ones(8), "a")})  # the same key replaced
    assert np.array_equal(protocol.unpack(header["v"], buffers, layouts=True, kept=store), np.ones(8))


# --- through a worker ----------------------------------------------------------------------------------

def test_a_second_load_sends_the_digests_alone_and_gives_the_same_outputs(worker, monkeypatch):
    reference = _reference()
    x = torch.randn(2, 3, 5, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    digests = {"conv.weight": "conv-w", "fc.weight": "fc-w"}
    sizes = _sent_bytes(monkeypatch)
    outputs = []
    for _ in range(2):
        handle = worker.call("Net", weights_follow="float64").value
        state = {name: Kept(t, digests[name]) if name in digests else t for name, t in reference.state_dict().items()}
        worker.method(handle, "load_state_dict", (state,))
        outputs.append(_forward(worker, handle, x))
    loads = [size for size in sizes if size > 0][::2]  # each load, then each forward's x
    kept_bytes = sum(reference.state_dict()[name].numel() * 8 for name in digests)
    assert loads[0] - loads[1] == kept_bytes
    reference.eval()
    np.testing.assert_array_equal(outputs[0], outputs[1])
    np.testing.assert_allclose(outputs[1], reference(x).detach().numpy(), rtol=1e-12)


def test_after_a_restart_a_kept_array_is_sent_again(monkeypatch):
    with SandboxWorker(SOURCE, limits=Limits(memory_mb=3072, call_timeout=30, max_processes=32)) as w:
        assert w.start().ok
        weight = Kept(torch.ones(64, 3, 3, 3, dtype=torch.float64), "restart-w")
        handle = w.call("Net", weights_follow="float64").value
        w.method(handle, "load_state_dict", ({"conv.weight": weight},), {"strict": False})
        assert "restart-w" in w._kept
        assert w.start().ok  # a new process (as after a crash) holds nothing
        assert w._kept == {}
        sizes = _sent_bytes(monkeypatch)
        handle = w.call("Net", weights_follow="float64").value
        w.method(handle, "load_state_dict", ({"conv.weight": weight},), {"strict": False})
        assert max(sizes) >= 64 * 27 * 8


def test_a_module_built_for_loading_ends_as_one_built_converted_and_loaded(worker):
    reference = _reference()
    x = torch.randn(3, 3, 6, 5, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    results = []
    for follow in (None, "float64"):
        handle = worker.call("Net", weights_follow=follow).value
        worker.method(handle, "double")
        worker.method(handle, "load_state_dict", (reference.state_dict(),))
        state = worker.method(handle, "state_dict").value
        results.append((state, _forward(worker, handle, x)))
    (plain_state, plain_out), (built_state, built_out) = results
    assert plain_state.keys() == built_state.keys()
    for name in plain_state:
        assert plain_state[name].dtype == built_state[name].dtype
        np.testing.assert_array_equal(plain_state[name], built_state[name])
    np.testing.assert_array_equal(plain_out, built_out)


def test_building_for_loading_leaves_nothing_behind(worker):
    handle = worker.call("Net", (7,), weights_follow="float64").value
    assert worker.call("attribute", (handle, "dtype_seen")).value == "torch.float64"
    assert worker.call("attribute", (handle, "ones_in_init")).value == 0.0  # the fill did nothing
    assert worker.method(handle, "state_dict").value["conv.weight"].dtype == np.float64
    with pytest.raises(client.StudentError, match="constructor failed"):
        worker.call("Fails", weights_follow="float32")
    assert worker.call("default_dtype").value == "torch.float32"
    assert worker.call("init_ones").value == 3.0


def test_only_float32_and_float64_can_be_asked_for(worker):
    with pytest.raises(client.StudentError):
        worker.call("Net", weights_follow="int64")


def test_a_submission_that_rewrites_what_its_worker_keeps_only_changes_its_own_results(worker):
    reference = _reference()
    weight = reference.conv.weight.detach().clone()
    state = {name: Kept(t, "hostile-" + name) if name == "conv.weight" else t for name, t in reference.state_dict().items()}
    handle = worker.call("Net", weights_follow="float64").value
    worker.method(handle, "load_state_dict", (state,))
    assert worker.call("corrupt_kept").value >= 1
    handle = worker.call("Net", weights_follow="float64").value
    worker.method(handle, "load_state_dict", (state,))  # the key alone: the worker's own copy, zeroed
    assert not worker.method(handle, "state_dict").value["conv.weight"].any()
    assert torch.equal(reference.conv.weight, weight)  # nothing came back to the trusted side


def test_a_constructor_that_sizes_its_classifier_with_a_dummy_forward_builds_the_same(worker):
    """An honest student's constructor that runs a forward on zeros (with weights nobody drew)
    gets the same layers, and after the load the same output, in float64 and in float32."""
    torch.manual_seed(4)
    features = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2))
    reference = torch.nn.Module()
    reference.features, reference.fc = features, torch.nn.Linear(100, 3)
    for dtype, name in ((torch.float64, "float64"), (torch.float32, "float32")):
        x = torch.randn(1, 1, 12, 12, generator=torch.Generator().manual_seed(5)).to(dtype)  # a batch of one
        handle = worker.call("SizedByADummyForward", weights_follow=name).value
        assert worker.describe(handle)["parameters"]["fc.weight"] == (3, 100)
        worker.method(handle, "load_state_dict", ({k: v.to(dtype) for k, v in reference.state_dict().items()},))
        expected = reference.to(dtype).fc(reference.features(x).flatten(1))
        got = _forward(worker, handle, x.transpose(2, 3).contiguous().transpose(2, 3))  # a transposed layout
        np.testing.assert_allclose(got, expected.detach().numpy(), rtol=1e-5 if name == "float32" else 1e-12)
        assert got.dtype == (np.float64 if name == "float64" else np.float32)
