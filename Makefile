# The two commands of the README. Both create .venv/ when it is missing.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench build clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/autograder demo

# One pytest worker per core; a file's tests stay together (their fixtures start notebooks and workers).
test: $(STAMP)
	$(VENV)/bin/pytest -q -n auto --dist loadfile

bench: $(STAMP)
	$(PY) bench/grading_speed.py

build: $(STAMP)
	$(VENV)/bin/autograder build

clean:
	rm -rf $(VENV) build .nbgrader demo-course
