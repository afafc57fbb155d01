"""The trusted grading side: a submission's source, the pytest + Hypothesis suites run in a
child process against the sandboxed worker, scoring and the JSON report.

Entry point: ``autograder.grading.api.grade_submission(course, path, assignment)``.
"""
