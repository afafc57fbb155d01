"""The public suites run through the grader (autograder/grading/session.py, profile "public"), which
provides the ``student`` and ``device`` fixtures. Run directly, they stop with one clear line.
Example::

    autograder check convolutions.ipynb
"""
import pytest

from autograder.grading.plugin import GradingPlugin


def pytest_collection_modifyitems(config, items):
    if items and not any(isinstance(p, GradingPlugin) for p in config.pluginmanager.get_plugins()):
        raise pytest.UsageError("autograder/public/suites runs through the grader: autograder check NOTEBOOK")
