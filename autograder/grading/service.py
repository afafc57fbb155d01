"""A grading service: one trusted process that grades submission after submission.

``grade_submission`` (api.py) normally starts ``python -m autograder.grading.session`` per
submission, which pays for importing torch, Hypothesis, pytest, the suites and the reference
every time. Inside :func:`autograder.grading.api.grading_services` (class grading: one service
per ``--jobs`` slot) it sends the same request to a service instead, which imported all of that
once, and runs :func:`autograder.grading.session.run_session` for it: a fresh pytest session per
submission, the same arguments and seed, the same result file. The service also pre-starts the
next submission's sandboxed worker (autograder/sandbox/pool.py).

Nothing of one grading may reach the next. Student code never runs here (only in the workers,
one process each, never reused), and before every session :class:`FreshState` puts back what a
fresh process would have: the suites' and the reference's modules are forgotten and imported
again (their caches, e.g. ``lru_cache`` of built networks, go with them), torch's random
generators are set back to their state at start-up (the CUDA ones too, once a session used them), ``sys.path`` and Hypothesis' shrink budget are
restored, and the profiles are registered and loaded again (database off, as always). A
submission that hangs or kills the service is the parent's business: it kills the process, records
that submission as without a service, and the next request starts a new service.

Protocol (trusted on both sides): one JSON object a line on stdin (the arguments of
``run_session``), one JSON line back on the file descriptor ``--reply-fd``: ``{"code": N}``, or
``{"error": "..."}`` after which the service exits; ``{"ready": true}`` first, once imported (the
parent starts a submission's clock after it, as a one-off session's start is not the student's). Example::

    python -m autograder.grading.service --reply-fd 3
    {"course_file": "course.yaml", "assignment": "convolutions", "source_file": "/tmp/s.py",
     "profile": "hidden", "seed": 123, "device": "cpu", "sandbox": "auto", "out": "/tmp/r.json",
     "only_part": null}
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import traceback
from pathlib import Path

from autograder.config import REPO_ROOT

#: Folders whose modules a grading imports and the next must import afresh (suites, reference).
FRESH_MODULE_DIRS = (REPO_ROOT / "tests", REPO_ROOT / "solutions", REPO_ROOT / "autograder" / "public" / "suites")
#: The same by name, wherever they were found (a course copy's solutions/ beside its course file).
FRESH_MODULE_NAMES = frozenset({"solutions", "tests", "conftest", "module_checks", "test_convolutions",
                                "test_architectures", "test_segmentation"})


class FreshState:
    """What a fresh grading process starts with, captured once and put back before each session."""

    def __init__(self):
        import torch  # first: nothing may draw from torch's generator before its state is captured

        self.torch_rng = torch.get_rng_state()
        # A fresh process's CUDA generators start from this same seed at offset 0 (read here without
        # initialising CUDA: the service only touches the GPU if a grading did).
        self.torch_seed = torch.initial_seed()
        self.sys_path = list(sys.path)
        self.warm_up()
        from hypothesis.internal.conjecture import engine

        self.shrink_seconds = getattr(engine, "MAX_SHRINKING_SECONDS", None)

    @staticmethod
    def warm_up() -> None:
        """Import what every grading imports (the expensive part of a session's start)."""
        import hypothesis  # noqa: F401
        import numpy  # noqa: F401
        import pytest  # noqa: F401

        import autograder.grading.harness  # noqa: F401
        import autograder.grading.plugin  # noqa: F401
        import autograder.grading.proxy  # noqa: F401
        import autograder.strategies  # noqa: F401

    def restore(self) -> None:
        import torch
        from hypothesis.internal.conjecture import engine

        from autograder.grading import failures

        failures.take_notes()  # a note left by the previous session's last test is not this one's

        for name, module in list(sys.modules.items()):
            if name.split(".")[0] in FRESH_MODULE_NAMES or _under(getattr(module, "__file__", None), FRESH_MODULE_DIRS):
                del sys.modules[name]
        sys.path[:] = self.sys_path
        torch.set_rng_state(self.torch_rng)
        if torch.cuda.is_initialized():  # what a previous session drew on the GPU: as a fresh process has it
            torch.cuda.manual_seed_all(self.torch_seed)
        if self.shrink_seconds is not None:
            engine.MAX_SHRINKING_SECONDS = self.shrink_seconds


def _under(path: str | None, folders) -> bool:
    if not path:
        return False
    resolved = Path(path).resolve()
    return any(resolved.is_relative_to(folder) for folder in folders)


def serve(requests, replies, fresh: FreshState) -> None:
    """Grade every request read from ``requests``; one reply line each on ``replies``."""
    from autograder.grading.session import run_session

    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        fresh.restore()
        try:
            source = Path(request.pop("source_file")).read_text(encoding="utf-8")
            code = run_session(**{**request, "course_file": Path(request["course_file"]), "out": Path(request["out"]),
                                  "source": source})
        except BaseException:  # noqa: BLE001 - the grader's own failure: reported, then a new service
            replies.write(json.dumps({"error": traceback.format_exc()[-2000:]}) + "\n")
            replies.flush()
            return
        replies.write(json.dumps({"code": int(code)}) + "\n")
        replies.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reply-fd", type=int, required=True)
    args = parser.parse_args(argv)
    fresh = FreshState()
    replies = os.fdopen(args.reply_fd, "w", encoding="utf-8")
    os.dup2(2, 1)  # anything printed goes to stderr, never into the replies
    from autograder.sandbox import pool

    pool.enable()
    # Everything imported so far lives as long as the process: moved out of the collector's sight,
    # each collection (automatic, during every session) scans a session's objects, not torch's.
    gc.collect()
    gc.freeze()
    replies.write(json.dumps({"ready": True}) + "\n")  # a submission's time starts after our own start
    replies.flush()
    serve(sys.stdin, replies, fresh)
    return 0


if __name__ == "__main__":
    sys.exit(main())
