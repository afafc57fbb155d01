"""The quality gate on architectures's bugs, alternatives and attacks.

The checks are in tests/quality_gate.py; this file is one slice of the bank, so that xdist
workers share the gate. Example: ``.venv/bin/pytest tests/test_quality_gate_architectures.py -q``.
"""
from tests.quality_gate import gate_module

# The fixture `scheduler` and the gate's tests for this slice, as names of this module.
globals().update(gate_module("architectures"))
