#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (from /autograder/source,
# the unpacked zip). It installs Python, the pinned environment (requirements.txt, written by
# `autograder export` from the environment that grades locally) and the grader from this folder.
#
#   AUTOGRADER_ROOT           the engine's folder (default /autograder)
#   AUTOGRADER_VENV           where the environment goes (default $AUTOGRADER_ROOT/venv); an existing one is reused
#   AUTOGRADER_TORCH_INDEX    an extra index with CPU-only torch wheels (default: PyTorch's CPU index;
#                             set it empty to use pip's configured index only)
#   AUTOGRADER_SETUP_DRY_RUN=1  print each command instead of running it
#   AUTOGRADER_SETUP_CHECK=1    check instead of install: pip --dry-run --no-deps (is every pin available?)
#   AUTOGRADER_PIP_ARGS       more pip options, split on spaces (e.g. --no-index to use only what is installed)
set -euo pipefail

SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${AUTOGRADER_ROOT:-/autograder}"
VENV="${AUTOGRADER_VENV:-$ROOT/venv}"
TORCH_INDEX="${AUTOGRADER_TORCH_INDEX-https://download.pytorch.org/whl/cpu}"
PIP_CHECK=()
if [ "${AUTOGRADER_SETUP_CHECK:-0}" = 1 ]; then PIP_CHECK=(--dry-run --no-deps); fi
read -r -a PIP_ARGS <<< "${AUTOGRADER_PIP_ARGS:-}"

run() {
    if [ "${AUTOGRADER_SETUP_DRY_RUN:-0}" = 1 ]; then
        printf '+'; printf ' %q' "$@"; printf '\n'
    else
        "$@"
    fi
}

# Python with venv, and setpriv (util-linux): the grader drops student code to an unprivileged uid.
if ! python3 -m venv --help > /dev/null 2>&1 || ! command -v setpriv > /dev/null; then
    run apt-get update
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 python3-venv python3-pip util-linux
fi
if [ ! -x "$VENV/bin/python" ]; then
    run python3 -m venv "$VENV"
fi
INDEX=()
if [ -n "$TORCH_INDEX" ]; then INDEX=(--extra-index-url "$TORCH_INDEX"); fi
run "$VENV/bin/python" -m pip install --disable-pip-version-check "${PIP_CHECK[@]}" "${INDEX[@]}" "${PIP_ARGS[@]}" \
    -r "$SOURCE/requirements.txt"
if [ "${#PIP_CHECK[@]}" = 0 ]; then
    run "$VENV/bin/python" -m pip install --disable-pip-version-check "${PIP_ARGS[@]}" --no-deps \
        --no-build-isolation -e "$SOURCE"
fi
# The tree must load: its manifest names the assignment, its course.yaml validates.
run env --chdir="$SOURCE" "$VENV/bin/python" -c \
    'from autograder.export.tree import check_tree; print(check_tree())'
