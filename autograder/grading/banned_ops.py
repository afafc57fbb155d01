"""Which of torch's own ops a function part may not reach, and what the worker bans for it.

Enforcement: for an assignment with such parts, the worker replaces the kernels of every
convolution and pooling operator in torch's dispatcher by a refusal before the submission loads
(:func:`worker_ban`, autograder/sandbox/lockdown.py); a call that reached one fails with a
marked message, which the grader turns into that part's 0 and a ``banned_op`` flag. The worker
also records every aten op dispatched during a call (CallResult.ops): a second signal, matched
here by pattern. Modules (architectures, segmentation) may use nn layers: nothing is banned.
Example::

    >>> banned_ops_used("conv2d", {"aten.mm.default", "aten.convolution.default"})
    ['aten.convolution.default']
    >>> worker_ban({"conv2d": 30, "max_pool2d": 15})
    ('convolution', 'pooling')
"""
from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Iterable

CONVOLUTION_OPS = (
    "aten.conv*", "aten._conv*", "aten.cudnn_conv*", "aten.miopen_conv*", "aten.mkldnn_conv*",
    "aten._mkldnn_conv*", "aten._nnpack_spatial_conv*", "aten.slow_conv*", "aten._slow_conv*",
    "aten.thnn_conv*", "aten.mps_conv*",
)
POOLING_OPS = (
    "aten.*max_pool*", "aten.*avg_pool*", "aten.*adaptive_*pool*", "aten.*fractional_max_pool*",
)

#: Part -> patterns of the aten ops it may not reach.
BANNED_OPS: dict[str, tuple[str, ...]] = {
    "conv2d": CONVOLUTION_OPS,
    "conv_transpose2d": CONVOLUTION_OPS,
    "max_pool2d": POOLING_OPS,
    "avg_pool2d": POOLING_OPS,
}


#: Part -> the operator family (autograder/sandbox/lockdown.py FAMILY_PATTERNS) it is asked to write.
BANNED_FAMILIES: dict[str, str] = {
    "conv2d": "convolution",
    "conv_transpose2d": "convolution",
    "max_pool2d": "pooling",
    "avg_pool2d": "pooling",
}


def worker_ban(parts: Iterable[str]) -> tuple[str, ...]:
    """The families the worker bans for an assignment with these parts: all of them as soon as one
    part is restricted (a pooling part has no business calling a convolution either)."""
    if not any(part in BANNED_FAMILIES for part in parts):
        return ()
    return tuple(sorted(set(BANNED_FAMILIES.values())))


def banned_ops_used(part: str, ops: Iterable[str]) -> list[str]:
    """The sorted ops in ``ops`` that ``part`` may not reach."""
    patterns = BANNED_OPS.get(part, ())
    return sorted(op for op in set(ops) if any(fnmatchcase(op, p) for p in patterns))
