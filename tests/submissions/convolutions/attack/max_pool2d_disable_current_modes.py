"""Sale de los modos activos (_disable_current_modes) y llama a F.max_pool2d / leaves the current modes.

expect: attack max_pool2d
flag: banned_op
witness: max_pool2d(randn(2, 3, 7, 6), 3, 2, 1)
"""
from torch.utils._python_dispatch import _disable_current_modes as _leave_modes


def max_pool2d(x, kernel_size, stride=None, padding=0):
    with _leave_modes():
        return F.max_pool2d(x, kernel_size, stride, padding)
