"""Red team of the worker's lockdown and of the trusted side's intake of replies (issue 7, items 1, 2, 6, 7).

One sandboxed worker runs a submission that tries every known way around the op ban (leaving the
dispatch mode, patching the worker through ``__main__``, a fork child, a lazy tensor subclass, a
thread, oneDNN's own kernel, torch's Python decompositions, ctypes, the heap, /proc/self/mem): each
call must end in the ban's or the audit hook's refusal, while the reference's own parts keep
computing. The rest is in-process: the banned list against torch's registry, the seccomp filter in
a bare child process, the byte caps and the trusted side's memory, lone surrogates, scoring.
The quality gate grades the same attacks as whole submissions (tests/submissions/convolutions/attack/).
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch

from autograder.config import load_course
from autograder.grading.scoring import score_parts
from autograder.sandbox import lockdown, protocol
from autograder.sandbox.client import Limits, SandboxWorker, StudentError, WorkerCrashed
from tests.submissions.bank import reference_source

ATTACKS = '''
import os as _os
import threading as _threading
import __main__ as _worker_main

def pops_mode(x, w):
    popped = []
    while torch._C._len_torch_dispatch_stack() > 0:
        popped.append(torch._C._pop_torch_dispatch_stack(None))
    try:
        return F.conv2d(x, w)
    finally:
        for mode in reversed(popped):
            torch._C._push_on_torch_dispatch_stack(mode)

def disables_dispatch(x, w):
    with torch._C._DisableTorchDispatch():
        return F.conv2d(x, w)

def leaves_modes(x):
    from torch.utils._python_dispatch import _disable_current_modes
    with _disable_current_modes():
        return F.max_pool2d(x, 2)

def noop_mode_enter(x):
    from torch.utils._python_dispatch import TorchDispatchMode
    TorchDispatchMode.__enter__ = lambda self: self
    TorchDispatchMode.__exit__ = lambda self, *exc: None
    return F.avg_pool2d(x, 2)

def patches_session(x, w):
    original = _worker_main.Session.call
    def call(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        result["ops"] = ()
        return result
    _worker_main.Session.call = call
    return F.conv2d(x, w)

def in_thread(x, w):
    box = []
    def run():
        try:
            box.append(F.conv2d(x, w))
        except Exception as exc:
            box.append(exc)
    thread = _threading.Thread(target=run)
    thread.start()
    thread.join()
    if isinstance(box[0], Exception):
        raise box[0]
    return box[0]

def forks():
    return _os.fork()

def mkldnn(x, w):
    return torch.ops.mkldnn._convolution_pointwise(x.float(), w.float(), None, [0, 0], [1, 1], [1, 1], 1,
                                                   "none", [], "")

def mkldnn_transposed(x, w):
    return torch.ops.mkldnn._convolution_transpose_pointwise(x.float(), w.float(), None, [0, 0], [0, 0],
                                                             [1, 1], [1, 1], 1, "none", [], "")

def script_only(x, w):
    return torch.ops.prim.mkldnn_convolution(x.float(), w.float(), None, [1, 1], [0, 0], [1, 1], 1)

def module_layer(x):
    return torch.nn.MaxPool2d(2)(x)

def python_decomposition(x):
    import torch._decomp.decompositions as decompositions
    return decompositions.max_pool2d_with_indices(x, [2, 2])[0]

def adaptive(x):
    return F.adaptive_avg_pool2d(x, 1)

class _Lazy(torch.Tensor):
    @staticmethod
    def __new__(cls, thunk, shape, dtype):
        return torch.Tensor._make_wrapper_subclass(cls, shape, dtype=dtype)
    def __init__(self, thunk, shape, dtype):
        self.thunk = thunk
    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        from torch.utils._pytree import tree_map
        unwrap = lambda t: t.thunk() if isinstance(t, _Lazy) else t
        return func(*tree_map(unwrap, args), **tree_map(unwrap, kwargs or {}))

def lazy(x, w):
    return _Lazy(lambda: F.conv2d(x, w), (x.shape[0], w.shape[0], x.shape[2] - 2, x.shape[3] - 2), x.dtype)

def heap():
    import gc
    return len(gc.get_objects())

def native():
    import ctypes
    return ctypes.CDLL(None).unshare(0x10000000)

def memory_file():
    with open("/proc/self/mem", "rb") as handle:
        return len(handle.read(1))

def program():
    import subprocess
    return subprocess.run(["/bin/true"]).returncode

def surrogate():
    raise ValueError("mensaje con un sustituto suelto: \\ud800 y bytes")

def honest_everything(x):
    import collections, dataclasses, typing, warnings
    Pair = collections.namedtuple("Pair", "a b")
    @dataclasses.dataclass
    class Box:
        value: typing.Any
    warnings.warn("un aviso")
    print("impresión", Pair(1, 2), Box(3))
    layer = torch.nn.Linear(x.shape[-1], 2).double()
    cols = F.unfold(x, 2)
    back = F.fold(cols, x.shape[-2:], 2)
    y = torch.einsum("nchw->nc", back) + layer(x).sum()
    y.sum().backward() if y.requires_grad else None
    return y
'''

BANNED = [("pops_mode", "conv"), ("disables_dispatch", "conv"), ("leaves_modes", "pool"),
          ("noop_mode_enter", "pool"), ("patches_session", "conv"), ("in_thread", "conv"), ("mkldnn", "conv"),
          ("mkldnn_transposed", "conv"), ("script_only", "conv"), ("module_layer", "pool"), ("python_decomposition", "pool"),
          ("adaptive", "pool"), ("lazy", "conv")]
REFUSED = [("forks", "os.fork"), ("heap", "gc.get_objects"), ("native", "ctypes."), ("memory_file", "/proc/self/mem"),
           ("program", "subprocess.Popen")]


def _x():
    return torch.randn(1, 2, 6, 6, dtype=torch.float64)


def _w():
    return torch.randn(3, 2, 3, 3, dtype=torch.float64)


@pytest.fixture(scope="module", params=["launched", "forked"])
def worker(request):
    """The attacks against a worker launched apart, and against one forked from a warm template
    (autograder/sandbox/zygote.py: the ban from the template's precomputed plan)."""
    template = None
    if request.param == "forked":
        from autograder.sandbox import zygote

        problem = zygote.template_problem("auto", "cpu")
        if problem is not None:
            pytest.skip(f"no template here: {problem}")
        template = zygote.Template()
    try:
        with SandboxWorker(reference_source("convolutions") + ATTACKS, limits=Limits(call_timeout=60),
                           ban=("convolution", "pooling"), template=template) as worker:
            loaded = worker.start()
            assert loaded.ok, loaded.error
            assert worker.forked == (template is not None), worker.notes
            yield worker
    finally:
        if template is not None:
            template.close()


def _args(name):
    needs_weight = name in {"pops_mode", "disables_dispatch", "patches_session", "in_thread", "mkldnn", "lazy", "script_only"}
    if name == "mkldnn_transposed":
        return (_x(), torch.randn(2, 3, 3, 3, dtype=torch.float64))
    return (_x(), _w()) if needs_weight else (_x(),)


def test_the_worker_is_locked_down_as_checked_from_outside(worker):
    assert worker.lockdown["seccomp"] and worker.lockdown["no_new_privs"], worker.lockdown
    assert worker.lockdown["banned_overloads"] > 100


@pytest.mark.parametrize("name, family", BANNED)
def test_every_way_around_the_recorder_reaches_the_refusing_kernel(worker, name, family):
    with pytest.raises(StudentError) as raised:
        worker.call(name, _args(name))
    text = raised.value.message + raised.value.traceback_tail
    assert lockdown.BAN_MARKER in text, text
    assert family in re.search(re.escape(lockdown.BAN_MARKER) + r" (\S+)", text).group(1)


@pytest.mark.parametrize("name, what", REFUSED)
def test_escapes_are_refused_by_the_audit_hook(worker, name, what):
    with pytest.raises(StudentError) as raised:
        worker.call(name, ())
    assert lockdown.REFUSED_MARKER in raised.value.message and what in raised.value.message, raised.value.message


def test_honest_code_still_works_under_the_lockdown(worker):
    x, w = _x(), _w()
    result = worker.call("conv2d", (x, w), grad_output=torch.ones(1, 3, 4, 4, dtype=torch.float64), grad_wrt=(0, 1))
    assert np.allclose(result.value, torch.nn.functional.conv2d(x, w).numpy())
    assert set(result.grads) == {0, 1}
    pooled = worker.call("max_pool2d", (x, 2, None, 1)).value
    assert np.allclose(pooled, torch.nn.functional.max_pool2d(x, 2, None, 1).numpy())
    transposed = worker.call("conv_transpose2d", (x, w.transpose(0, 1).contiguous(), None, 2, 1)).value
    assert np.allclose(transposed, torch.nn.functional.conv_transpose2d(x, w.transpose(0, 1), None, 2, 1).numpy())
    assert worker.call("honest_everything", (x,)).value.shape == (1, 2)
    deadline = time.monotonic() + 10  # the captured output arrives on its own thread
    while "impresión Pair(a=1, b=2)" not in worker.output and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "impresión Pair(a=1, b=2)" in worker.output


def test_a_lone_surrogate_from_the_worker_is_made_safe(worker):
    with pytest.raises(StudentError) as raised:
        worker.call("surrogate", ())
    raised.value.message.encode("utf-8")  # would raise UnicodeEncodeError without the protocol's cleaning
    assert "\ufffd" in raised.value.message


def test_the_probe_finds_the_ban_in_place(worker):
    probe = worker.probe()
    assert probe == {"computed": [], "new_ops": [], "problems": []}
    assert worker.tampering == []


def test_a_forged_reply_frame_is_a_protocol_violation():
    forge = textwrap.dedent('''
        import json, struct, sys
        OUT = int(sys.argv[sys.argv.index("--out-fd") + 1])
        def forged():
            raw = json.dumps({"ok": True, "value": 1.0, "info": {"$dict": []}, "ops": {"$tuple": []},
                              "grads": {"$dict": []}, "seconds": 0.0, "$buffers": []}).encode()
            with open(OUT, "wb", closefd=False) as pipe:
                pipe.write(struct.pack(">I", len(raw)) + raw)
            return 2.0
    ''')
    with SandboxWorker(forge, limits=Limits(call_timeout=60)) as worker:
        assert worker.start().ok
        with pytest.raises(WorkerCrashed, match="nonce"):
            worker.call("forged")
        assert any("nonce" in problem for problem in worker.tampering)


def test_the_banned_list_covers_every_convolution_and_pooling_overload():
    banned = set(lockdown.banned_overloads(torch, ("convolution", "pooling")))
    expected = set()
    for name in torch._C._dispatch_get_all_op_names():
        namespace, base = name.split("::")[0], name.split("::")[1].split(".")[0]
        if f"{namespace}::{base}" in lockdown.ALLOWED_OPS:
            continue
        if ("conv" in base and "convert" not in base) or "pool" in base:
            expected.add(name)
    for schema in torch._C._jit_get_all_schemas():
        arguments = {a.name for a in schema.arguments}
        full = schema.name + (f".{schema.overload_name}" if schema.overload_name else "")
        if schema.name in lockdown.ALLOWED_OPS:
            continue
        if {"weight", "stride", "padding"} <= arguments or {"kernel_size", "stride"} <= arguments:
            expected.add(full)
    assert expected - banned == set()
    assert {"aten::convolution", "aten::max_pool2d_with_indices", "mkldnn::_convolution_pointwise",
            "quantized::conv2d.new", "aten::cudnn_convolution", "onednn::qconv2d_pointwise",
            "aten::_adaptive_avg_pool2d", "prim::mkldnn_convolution"} <= banned
    assert not {"aten::im2col", "aten::col2im", "aten::unfold", "prims::convert_element_type"} & banned
    assert lockdown.banned_overloads(torch, ()) == []  # module assignments ban nothing


SECCOMP_CHILD = r'''
import ctypes, json, os, threading, sys
sys.path.insert(0, sys.argv[1])
import lockdown
libc = ctypes.CDLL(None, use_errno=True)
def unshare_user():
    pid = os.fork()  # in a child: a user namespace made here must not change this process
    if pid == 0:
        os._exit(0 if libc.unshare(0x10000000) == 0 else 1)
    return os.waitpid(pid, 0)[1] == 0
result = {"before": unshare_user()}
lockdown.install_seccomp()
result["unshare"] = libc.unshare(0x10000000)
result["unshare_errno"] = ctypes.get_errno()
try:
    os.fork()
    result["fork"] = "allowed"
except OSError as exc:
    result["fork"] = exc.errno
try:
    os.execv("/bin/true", ["/bin/true"])
except OSError as exc:
    result["execv"] = exc.errno
import torch
torch.set_num_threads(2)
box = []
thread = threading.Thread(target=lambda: box.append(float((torch.ones(64, 64) @ torch.ones(64, 64)).sum())))
thread.start(); thread.join()
result["thread_matmul"] = box[0]
result["conv"] = float(torch.nn.functional.conv2d(torch.ones(1, 1, 4, 4), torch.ones(1, 1, 2, 2)).sum())
result["status"] = lockdown.process_status()
print(json.dumps(result))
'''


def test_seccomp_refuses_namespaces_fork_and_exec_and_torch_still_works():
    folder = os.path.dirname(lockdown.__file__)
    done = subprocess.run([sys.executable, "-I", "-c", SECCOMP_CHILD, folder], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["unshare"] == -1 and result["unshare_errno"] == 1  # EPERM
    assert result["fork"] == 1 and result["execv"] == 1
    assert result["thread_matmul"] == 64 * 64 * 64 and result["conv"] == 36.0
    assert result["status"]["Seccomp"] == "2" and result["status"]["NoNewPrivs"] == "1"
    if not result["before"]:
        pytest.skip("user namespaces cannot be created on this machine even without the filter")


def test_the_seccomp_program_fails_closed_on_an_unknown_architecture():
    program = lockdown.seccomp_program()
    instructions = [program[i:i + 8] for i in range(0, len(program), 8)]
    import struct
    decoded = [struct.unpack("=HBBI", ins) for ins in instructions]
    assert decoded[0] == (0x20, 0, 0, 4)  # load the architecture first
    kill_at = next(i for i, ins in enumerate(decoded) if ins == (0x06, 0, 0, 0x80000000))
    assert [ins[3] for ins in decoded[1:kill_at] if ins[0] == 0x15] == list(lockdown.AUDIT_ARCH.values())


BIG = '''
import torch

def block(megabytes):
    return torch.ones(int(megabytes * 1024 * 1024 / 8), dtype=torch.float64)
'''


def _peak_rss_reset() -> None:
    with open("/proc/self/clear_refs", "w") as handle:
        handle.write("5")  # resets VmHWM, the peak resident set size


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as handle:
        line = next(line for line in handle if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def test_the_trusted_side_caps_what_a_worker_may_send():
    limits = Limits(call_timeout=60, max_reply_mb=16, max_replies_mb=64)
    with SandboxWorker(BIG, limits=limits) as worker:
        assert worker.start().ok
        before = _peak_rss_mb()
        _peak_rss_reset()
        baseline = _peak_rss_mb()
        with pytest.raises(WorkerCrashed, match="máximo"):
            worker.call("block", (600,))      # one reply of 600 MiB: refused from its header
        accepted = 0
        with pytest.raises(WorkerCrashed, match="máximo"):
            for _ in range(20):               # 12 MiB replies until the submission's 64 MiB are spent
                worker.call("block", (12,))
                accepted += 1
        assert accepted == 5
        grown = _peak_rss_mb() - baseline
    assert grown < 64, f"the trusted side's peak memory grew {grown:.0f} MiB (from {before:.0f} MiB)"


def test_read_message_survives_invalid_utf8_and_surrogates():
    read_fd, write_fd = os.pipe()
    raw = b'{"error": "\\ud800 \xff\xfe roto", "$buffers": []}'
    os.write(write_fd, len(raw).to_bytes(4, "big") + raw)
    header, _ = protocol.read_message(read_fd)
    os.close(read_fd), os.close(write_fd)
    header["error"].encode("utf-8")
    assert header["error"].endswith("roto") and "\ufffd" in header["error"]


def test_scoring_zeroes_a_part_that_reached_a_banned_kernel_and_voids_restricted_parts_on_tampering():
    course = load_course()
    spec = course.assignment("convolutions")
    tests = [{"name": f"t_{p}", "part": p, "kind": "matches_reference", "builds_on": [], "passed": True, "message": ""}
             for p in spec.parts]
    parts, flags = score_parts(spec, course.grading, tests, {}, {"max_pool2d": ["aten::max_pool2d"]}, {})
    assert parts["max_pool2d"].score == 0 and parts["conv2d"].score == 30
    assert ("banned_op", "max_pool2d") in {(f.kind, f.part) for f in flags}
    refused_only = {"conv2d": ["el corrector impidió: operación no permitida en el corrector: os.fork"]}
    parts, flags = score_parts(spec, course.grading, tests, {}, {}, refused_only)
    assert parts["conv2d"].score == 30 and ("tampering", "conv2d") in {(f.kind, f.part) for f in flags}
    parts, flags = score_parts(spec, course.grading, tests, {}, {}, {"avg_pool2d": ["integridad: F.conv2d calculó"]})
    assert all(parts[p].score == 0 for p in spec.parts)
    modules = course.assignment("architectures")
    module_tests = [dict(tests[0], name=f"t_{p}", part=p) for p in modules.parts]
    parts, _ = score_parts(modules, course.grading, module_tests, {}, {}, {"LeNet": ["integridad: x"]})
    assert all(parts[p].score == parts[p].max_score for p in modules.parts)
