"""The static scan: every escape route and every alias of torch's own ops is reported, with the
top-level definition it sits in; legitimate code (the import header, loops, unfold, einsum) is not."""
from __future__ import annotations

import doctest

import pytest

from autograder.grading import static_scan
from autograder.grading.static_scan import scan_source

HEADER = "import math\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


def _found(body: str) -> set[tuple[str, str | None, str]]:
    return {(f.kind, f.scope, f.target) for f in scan_source(HEADER + body)}


def test_the_header_and_honest_implementations_are_clean():
    body = '''
def conv2d(x, w, stride=1):
    n, c, h, k = x.shape
    cols = F.unfold(x, w.shape[-2:], stride=stride)
    out = torch.einsum("ok,nkl->nol", w.reshape(w.shape[0], -1), cols)
    for i in range(3):
        out = out + 0 * math.sqrt(i)
    return F.relu(out).view(n, -1)

def max_pool2d(x, k):
    windows = x.unfold(2, k, k).unfold(3, k, k)
    return getattr(windows, "amax")(dim=(-1, -2))
'''
    assert scan_source(HEADER + body) == []


@pytest.mark.parametrize("body, name", [
    ("def conv2d(x, w):\n    return F.conv2d(x, w)\n", "torch.nn.functional.conv2d"),
    ("def conv2d(x, w):\n    return torch.conv2d(x, w)\n", "torch.conv2d"),
    ("def conv2d(x, w):\n    return torch.nn.functional.conv2d(x, w)\n", "torch.nn.functional.conv2d"),
    ("def max_pool2d(x):\n    return F.max_pool2d(x, 2)\n", "torch.nn.functional.max_pool2d"),
    ("def avg_pool2d(x):\n    return torch.avg_pool2d(x, 2)\n", "torch.avg_pool2d"),
    ("def max_pool2d(x):\n    return torch.max_pool2d(x, 2)\n", "torch.max_pool2d"),
    ("def conv_transpose2d(x, w):\n    return F.conv_transpose2d(x, w)\n", "torch.nn.functional.conv_transpose2d"),
    ("def conv2d(x, w):\n    return nn.Conv2d(1, 1, 3)(x)\n", "torch.nn.Conv2d"),
    ("def conv2d(x, w):\n    return getattr(F, 'conv2d')(x, w)\n", "torch.nn.functional.conv2d"),
    ("def conv2d(x, w):\n    return F.torch.conv2d(x, w)\n", "torch.conv2d"),
    ("from torch.nn import functional as G\ndef conv2d(x, w):\n    return G.conv2d(x, w)\n",
     "torch.nn.functional.conv2d"),
    ("from torch.nn.functional import conv2d as c\ndef conv2d(x, w):\n    return c(x, w)\n",
     "torch.nn.functional.conv2d"),
])
def test_every_alias_of_torchs_own_op_is_attributed_to_its_definition(body, name):
    definition = body.split("def ")[1].split("(")[0]
    assert ("torch_op", definition, name) in _found(body)


def test_an_alias_captured_at_import_is_reported_where_it_is_used():
    found = scan_source(HEADER + "c = F.conv2d\nhelper = c\n\ndef conv2d(x, w):\n    return helper(x, w)\n")
    assert [(f.line, f.scope) for f in found if f.kind == "torch_op"] == [(5, None), (6, None), (9, "conv2d")]


@pytest.mark.parametrize("body, kind", [
    ("import threading\n", "process"),
    ("from multiprocessing import Pool\n", "process"),
    ("def f():\n    import subprocess\n    subprocess.run(['ls'])\n", "process"),
    ("import os\ndef f():\n    os.system('ls')\n", "process"),
    ("import os\ndef f():\n    os.fork()\n", "process"),
    ("import signal\n", "process"),
    ("def f(x):\n    return torch._C._nn.im2col(x)\n", "torch_internals"),
    ("def f(x, w):\n    return torch.ops.aten.convolution(x, w)\n", "torch_internals"),
    ("def f():\n    torch.library.Library('aten', 'IMPL')\n", "torch_internals"),
    ("from torch.utils._python_dispatch import _pop_mode\n", "torch_internals"),
    ("def f(m):\n    m._pop_mode()\n", "torch_internals"),
    ("def f(x):\n    return F.torch.ops.aten.convolution(x)\n", "torch_internals"),
    ("def f(t):\n    return t._C._nn\n", "torch_internals"),
    ("def f(g):\n    g._set_dispatch_mode(None)\n", "torch_internals"),
    ("import ctypes\n", "native"),
    ("import cffi\n", "native"),
    ("import importlib\n", "dynamic_code"),
    ("def f():\n    return __import__('os')\n", "dynamic_code"),
    ("def f(s):\n    exec(s)\n", "dynamic_code"),
    ("def f(s):\n    return eval(s)\n", "dynamic_code"),
    ("def f(s):\n    return compile(s, 'x', 'exec')\n", "dynamic_code"),
    ("def f(x, n):\n    return getattr(x, n)\n", "reflection"),
    ("def f(x, n):\n    setattr(torch, n, x)\n", "reflection"),
    ("def f():\n    return globals()\n", "reflection"),
    ("import sys\ndef f():\n    return sys.modules['torch']\n", "reflection"),
    ("def f():\n    return __builtins__\n", "reflection"),
    ("def f():\n    return object.__subclasses__()\n", "reflection"),
    ("def f():\n    return open('/etc/passwd').read()\n", "io"),
    ("import socket\n", "io"),
    ("import os\ndef f():\n    return os.environ['HOME']\n", "io"),
])
def test_escape_routes_are_flagged(body, kind):
    found = scan_source(HEADER + body)
    assert kind in {f.kind for f in found}, found
    assert all(f.message and f.line > 4 for f in found)


def test_findings_name_the_enclosing_top_level_definition():
    body = "class LeNet(nn.Module):\n    def __init__(self):\n        super().__init__()\n" \
           "        self.conv = nn.Conv2d(1, 6, 5)\n"
    (finding,) = scan_source(HEADER + body)
    assert (finding.scope, finding.kind, finding.target, finding.line) == ("LeNet", "torch_op", "torch.nn.Conv2d", 8)


def test_a_syntax_error_yields_no_findings():
    assert scan_source("def broken(:\n") == []


def test_the_module_example_holds():
    assert doctest.testmod(static_scan).failed == 0
