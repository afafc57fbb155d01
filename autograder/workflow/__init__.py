"""The instructor's loop on real nbgrader: release, collect, grade a class, feedback, report, demo.

Each module is one step and one plain function the CLI calls (``autograder release`` ->
``release.release_assignment``). nbgrader does the bookkeeping (exchange, gradebook.db); our grader
(``autograder.grading.api.grade_submission``) computes the scores.
"""
