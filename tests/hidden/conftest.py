"""The hidden suites run only through the grader (autograder/grading/session.py), which provides
the ``student`` and ``device`` fixtures. Run directly, they stop with one clear line instead of a
wall of "fixture not found" errors. Example::

    autograder grade solutions/convolutions.py --assignment convolutions
"""
import pytest

from autograder.grading.plugin import GradingPlugin


def pytest_collection_modifyitems(config, items):
    if items and not any(isinstance(p, GradingPlugin) for p in config.pluginmanager.get_plugins()):
        raise pytest.UsageError("tests/hidden runs through the grader: "
                                "autograder grade SUBMISSION --assignment NAME")
