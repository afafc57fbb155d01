"""CUDA, checked once for real: grade on the GPU what the CPU grades, and compare part by part.

Grades, each once with ``device="cpu"`` and once with ``device="cuda"`` (same profile, same
seed): the reference of every assignment, every correct alternative of the bank, a handful of
its bugs (one per part, the first by name), and bugs that only a GPU shows (a tensor created
without ``device=``: correct on the CPU, wrong on the GPU). It prints one table row per
(submission, part) and exits 1 on any disagreement:

- reference, alternatives, bugs: the same verdict for every test and the same score per part;
- GPU-only bugs: full marks on the CPU, fewer points on the GPU for their part, and the same
  scores on every other part.

Needs only the virtualenv's packages and a CUDA device (exits 2 with one line without one);
never part of ``make test``. On a 16-core GPU machine it runs in a few minutes
(``--jobs`` gradings at a time; profile "gate" by default, ``--profile hidden`` for the real one)::

    make cuda-check                 # or: .venv/bin/python bench/cuda_check.py [--jobs 6] [--profile gate]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # tests/ (the bank) is read from the repository, not installed

from autograder.config import load_course  # noqa: E402
from tests.submissions.bank import load_bank, reference_source  # noqa: E402

#: Overlays (on the reference) that are right on the CPU and wrong on a GPU: a tensor made on the
#: default device. (assignment, part, name, overlay)
GPU_ONLY_BUGS = [
    ("convolutions", "conv_transpose2d", "conv_transpose2d_zeros_without_device", '''
def conv_transpose2d(x, weight, bias=None, stride=1, padding=0, output_padding=0):
    def pair(value):
        return (value, value) if isinstance(value, int) else tuple(value)
    n, c_in, h, w = x.shape
    c_w, c_out, kh, kw = weight.shape
    if c_w != c_in:
        raise RuntimeError("los canales de x y de weight no coinciden")
    (sh, sw), (ph, pw), (oph, opw) = pair(stride), pair(padding), pair(output_padding)
    if min(sh, sw) <= 0:
        raise RuntimeError("stride no positivo")
    if oph >= sh or opw >= sw:
        raise RuntimeError("output_padding no menor que el stride")
    if (h - 1) * sh - 2 * ph + kh + oph <= 0 or (w - 1) * sw - 2 * pw + kw + opw <= 0:
        raise RuntimeError("el padding deja la salida vacía")
    spread = torch.zeros(n, c_in, (h - 1) * sh + 1, (w - 1) * sw + 1, dtype=x.dtype)  # sin device=x.device
    spread[:, :, ::sh, ::sw] = x
    spread = F.pad(spread, (kw - 1 - pw, kw - 1 - pw + opw, kh - 1 - ph, kh - 1 - ph + oph))
    return conv2d(spread, weight.flip(2, 3).transpose(0, 1), bias)
'''),
    ("convolutions", "max_pool2d", "max_pool2d_padding_tensor_without_device", '''
_reference_max_pool2d = max_pool2d


def max_pool2d(x, kernel_size, stride=None, padding=0):
    out = _reference_max_pool2d(x, kernel_size, stride, padding)
    return out + torch.zeros(out.shape, dtype=out.dtype)  # sin device=out.device
'''),
    ("segmentation", "center_crop", "center_crop_mask_without_device", '''
_reference_center_crop = center_crop


def center_crop(x, size):
    crop = _reference_center_crop(x, size)
    return crop * torch.ones(crop.shape[-2:], dtype=crop.dtype)  # máscara sin device=x.device
'''),
]


@dataclass
class Job:
    assignment: str
    name: str          # e.g. "reference", "alternative/conv2d_naive_loops"
    source: str
    part: str | None   # the part an entry is about (None: the reference)
    gpu_only: bool = False


def jobs() -> list[Job]:
    course = load_course()
    found = []
    for spec in course.assignments:
        found.append(Job(spec.name, "reference", reference_source(spec.name), None))
    for entry in load_bank("alternative"):
        found.append(Job(entry.assignment, f"alternative/{entry.path.stem}", entry.source(), entry.part))
    seen_parts = set()
    for entry in load_bank("bug"):  # a handful: the first bug of every part
        if (entry.assignment, entry.part) not in seen_parts:
            seen_parts.add((entry.assignment, entry.part))
            found.append(Job(entry.assignment, f"bug/{entry.path.stem}", entry.source(), entry.part))
    for assignment, part, name, overlay in GPU_ONLY_BUGS:
        found.append(Job(assignment, f"gpu-only bug/{name}", reference_source(assignment) + "\n\n" + overlay, part,
                         gpu_only=True))
    return found


def grade(job: Job, device: str, profile: str, folder: Path) -> dict:
    from autograder.grading.api import grade_submission

    path = folder / f"{job.assignment}-{job.name.replace('/', '-').replace(' ', '_')}-{device}.py"
    path.write_text(job.source, encoding="utf-8")
    return grade_submission(load_course(), path, job.assignment, device=device, profile=profile)


def compare(job: Job, cpu: dict, cuda: dict) -> list[tuple[str, str, str, str, bool]]:
    """(part, cpu score, cuda score, note, agrees) per part."""
    rows = []
    for part, on_cpu in cpu["parts"].items():
        on_gpu = cuda["parts"][part]
        verdicts_cpu = {t["name"]: t["passed"] for t in on_cpu["tests"]}
        verdicts_gpu = {t["name"]: t["passed"] for t in on_gpu["tests"]}
        differing = sorted(name for name in verdicts_cpu if verdicts_cpu[name] != verdicts_gpu.get(name))
        if job.gpu_only and part == job.part:
            agrees = on_cpu["score"] == on_cpu["max_score"] and on_gpu["score"] < on_cpu["score"]
            note = "expected: full on cpu, less on cuda" + ("" if agrees else " (NOT SO)")
        else:
            agrees = not differing and on_cpu["score"] == on_gpu["score"]
            note = "" if agrees else "differs: " + ", ".join(differing[:3])
        rows.append((part, f"{on_cpu['score']:g}", f"{on_gpu['score']:g}", note, agrees))
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=6, help="gradings at a time")
    parser.add_argument("--profile", default="gate", choices=("gate", "hidden"))
    options = parser.parse_args(argv)
    import torch

    if not torch.cuda.is_available():
        print("cuda-check: no CUDA device here (torch.cuda.is_available() is False): run it on a GPU machine.")
        return 2
    started = time.monotonic()
    work = jobs()
    folder = Path(tempfile.mkdtemp(prefix="cuda-check-"))
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        futures = {(i, device): pool.submit(grade, job, device, options.profile, folder)
                   for i, job in enumerate(work) for device in ("cpu", "cuda")}
        reports = {key: future.result() for key, future in futures.items()}
    failures = 0
    print(f"{'submission':<58} {'part':<18} {'cpu':>8} {'cuda':>8}  verdict")
    for i, job in enumerate(work):
        cpu, cuda = reports[(i, "cpu")], reports[(i, "cuda")]
        if cpu["status"] != cuda["status"]:
            failures += 1
            print(f"{job.assignment + '/' + job.name:<58} {'(status)':<18} {cpu['status']:>8} {cuda['status']:>8}  DISAGREE")
            continue
        for part, on_cpu, on_gpu, note, agrees in compare(job, cpu, cuda):
            failures += not agrees
            print(f"{job.assignment + '/' + job.name:<58} {part:<18} {on_cpu:>8} {on_gpu:>8}  "
                  f"{'ok' if agrees else 'DISAGREE'} {note}".rstrip())
    print(f"cuda-check: {len(work)} submissions x 2 devices, {failures} disagreement(s), "
          f"{time.monotonic() - started:.0f} s ({torch.cuda.get_device_name(0)})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
