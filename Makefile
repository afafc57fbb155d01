# The two commands of the README. Both create .venv/ when it is missing.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench build clean cuda-check

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/autograder demo

# One pytest worker per core; a file's tests stay together (their fixtures start notebooks and workers),
# the files handed out in collection order: the longest first (tests/conftest.py).
test: $(STAMP)
	$(VENV)/bin/pytest -q -n auto --dist loadfile --no-loadscope-reorder --durations=25

# The class bench (bench/class_speed.py): STUDENTS distinct students of each of ASSIGNMENTS, per-process
# versus services, rlimits only, and the nbclient peer; then one submission per assignment (grading_speed.py).
STUDENTS    ?= 8
ASSIGNMENTS ?= convolutions
bench: $(STAMP)
	$(PY) bench/class_speed.py --students $(STUDENTS) $(ASSIGNMENTS)
	$(PY) bench/grading_speed.py

# Grades the reference, the bank's alternatives and some bugs on CPU and CUDA and compares them
# (bench/cuda_check.py). Needs a GPU; never part of `make test`.
cuda-check: $(STAMP)
	$(PY) bench/cuda_check.py

build: $(STAMP)
	$(VENV)/bin/autograder build

clean:
	rm -rf $(VENV) build .nbgrader demo-course
