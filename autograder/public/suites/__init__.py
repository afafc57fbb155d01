"""The public suites (one per assignment): run by ``autograder check`` and ``check(part)`` with the
"public" profile, never directly by pytest (their fixtures come from the grading plugin)."""
