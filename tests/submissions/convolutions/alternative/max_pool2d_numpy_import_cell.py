"""Usa numpy importado en otra celda y una constante de módulo / numpy from an import cell and a module constant.

expect: alternative max_pool2d
witness: max_pool2d(-randn(2, 3, 7, 6), (3, 2), 2, (1, 1))
"""
# `import numpy as np` and the constant live in cells of their own in the notebook; both count
# when grading (imports of numpy/torch/math and constants do). A plotting import does not, and
# this answer does not need it.
import numpy as _np
import matplotlib.pyplot as _plt  # noqa: F401 - a plotting cell's import: dropped, never needed

_DOS_EJES = 2
_max_pool2d_de_clase = max_pool2d


def max_pool2d(x, kernel_size, stride=None, padding=0):
    paso = kernel_size if stride is None else stride
    paso = tuple(int(v) for v in _np.broadcast_to(_np.asarray(paso), (_DOS_EJES,)))
    return _max_pool2d_de_clase(x, kernel_size, paso, padding)
