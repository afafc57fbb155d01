"""Which of torch's own aten ops a function part may not reach (any alias ends up in these).

The worker records every aten op dispatched during a call (CallResult.ops); a part whose calls
reached one of its banned ops scores 0. Modules (architectures, segmentation) may use nn layers.
Example::

    >>> banned_ops_used("conv2d", {"aten.mm.default", "aten.convolution.default"})
    ['aten.convolution.default']
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


def banned_ops_used(part: str, ops: Iterable[str]) -> list[str]:
    """The sorted ops in ``ops`` that ``part`` may not reach."""
    patterns = BANNED_OPS.get(part, ())
    return sorted(op for op in set(ops) if any(fnmatchcase(op, p) for p in patterns))
