"""The course content: student notebooks built from the one source of every part.

``solutions/<assignment>.py`` holds each part's reference code (nbgrader markers around the
answer); ``solutions/notebooks/<assignment>.py`` holds the Spanish narrative with one placeholder
cell per part. :mod:`autograder.content.build` joins them into an nbgrader *source* notebook and
lets nbgrader's own ``generate_assignment`` turn it into the student version in ``assignments/``.
"""
