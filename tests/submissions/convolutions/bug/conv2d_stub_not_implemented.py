"""La plantilla sin tocar: aún lanza NotImplementedError / the untouched stub.

expect: bug conv2d
witness: conv2d(randn(1, 2, 5, 6), randn(3, 2, 3, 3))
"""
# Scores exactly 0 ("no implementada todavía"), also on the tests any raising code passes
# (invalid arguments): autograder/grading/scoring.py.


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    raise NotImplementedError()
