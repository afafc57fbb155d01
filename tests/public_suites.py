"""Running the public (student) suites on many submissions in one fresh interpreter, for the tests.

A grading session per submission would start a trusted process each time; the tests that ask
"what does check() say about these sources?" run them all, in order, in one subprocess (as
session.py does for one), and read the raw results back. Example::

    runs = run_public_suites([("convolutions", source, None)], tmp_path)
    failed = {t["part"] for t in runs["results"][0]["tests"] if not t["passed"]}
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Collection
from pathlib import Path

from autograder.config import REPO_ROOT, load_course


def run_public_suites(jobs: list[tuple[str, str, str | Collection[str] | None]], tmp_path: Path,
                      timeout: float = 600) -> dict:
    """Run public suites (as session.py does) in ONE fresh interpreter, for speed, with the next
    session's worker pre-started as a grading service does: ``jobs`` are (assignment, source,
    only_part: a part, several, or None for all). Returns the raw results in order and the secret modules
    that interpreter had imported by the end."""
    course = load_course()
    specs = []
    for index, (assignment, source, only_part) in enumerate(jobs):
        src = tmp_path / f"{index}-{assignment}.py"
        src.write_text("import math\nimport torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n" + source)
        specs.append((assignment, str(src), course.seed_for(assignment, "public"), str(tmp_path / f"{index}.json"),
                      only_part))
    script = textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        from autograder.grading.session import run_session
        from autograder.sandbox import pool
        pool.enable()  # as a grading service: each session's worker forked from a warm template
        for assignment, src, seed, out, only_part in {specs!r}:
            run_session(course_file=None, assignment=assignment, source=Path(src).read_text(), profile="public",
                        seed=seed, device="cpu", out=Path(out), only_part=only_part)
        secret = sorted(m for m in sys.modules if m == "solutions" or m.startswith(("solutions.", "tests.hidden")))
        print(json.dumps(secret))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return {"results": [json.loads(Path(spec[3]).read_text()) for spec in specs],
            "secret_modules": json.loads(done.stdout.strip().splitlines()[-1])}
