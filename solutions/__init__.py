"""SECRET reference solutions, one module per assignment (the one source of every part).

Not an installed package: the grader and the tests read it from the repository root, so a
sandboxed submission can never import it. Example::

    from solutions.convolutions import conv2d
"""
