"""The public (student) checks: what a student runs before submitting.

``check(part)`` in a notebook, ``autograder check NOTEBOOK`` in a shell. The suites in
``autograder/public/suites/`` compare function parts with torch.nn.functional and module parts
with the statement's specification; this package never ships or imports the hidden suites or the
reference solutions. Example::

    from autograder.public import check
    check("ResidualBlock")
"""
from autograder.public.check import check

__all__ = ["check"]
