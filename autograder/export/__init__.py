"""Exported graders: the same sandboxed grading on Gradescope, PrairieLearn and a Kubernetes fleet.

``tree.py`` lays out what every export carries; ``artefacts.py`` writes each engine's artefact;
``entry.py`` is what the engine runs per submission; ``results.py`` turns the report into each
engine's results.json (schemas in ``schemas/``).
"""
