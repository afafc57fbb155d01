"""The Jinja environment of the HTML pages (feedback and class report), shared by both.

Every value is escaped: test messages carry student output. ``score`` shows a number of points
with at most four significant digits (``2.7273`` -> ``2.727``) and leaves text (e.g. "") as is.
"""
from __future__ import annotations

from jinja2 import Environment, PackageLoader

from autograder.i18n import _i, _in


def format_score(value) -> str:
    return f"{value:.4g}" if isinstance(value, (int, float)) else str(value)


TEMPLATES = Environment(loader=PackageLoader("autograder.workflow", "templates"), autoescape=True)
TEMPLATES.filters["score"] = format_score
# The instructor catalog's markers, for the class report (``{{ _i("...") }}``; autograder.i18n).
TEMPLATES.globals.update(_i=_i, _in=_in)
