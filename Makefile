# The two commands of the README. Both create .venv/ when it is missing.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench build clean cuda-check messages

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
# versus services, rlimits only, and the nbclient peer; then one submission per assignment (grading_speed.py);
# then a student's check() of every part, first and warm calls (check_speed.py).
STUDENTS    ?= 8
ASSIGNMENTS ?= convolutions
bench: $(STAMP)
	$(PY) bench/class_speed.py --students $(STUDENTS) $(ASSIGNMENTS)
	$(PY) bench/grading_speed.py
	$(PY) bench/check_speed.py

# Grades the reference, the bank's alternatives and some bugs on CPU and CUDA and compares them
# (bench/cuda_check.py). Needs a GPU; never part of `make test`.
cuda-check: $(STAMP)
	$(PY) bench/cuda_check.py

# Message catalogs (autograder/i18n.py): extract each domain's ids with Babel and merge them into
# autograder/locale/<lang>/LC_MESSAGES/<domain>.po; new Spanish entries then need a translation
# (tests/test_messages_catalog.py fails on any id without one).
BABEL := $(VENV)/bin/pybabel
KEYWORDS_student    := -k _ -k _n:1,2 -k N_
KEYWORDS_instructor := -k _i -k _in:1,2 -k N_i
messages: $(STAMP)
	mkdir -p build
	for domain in student instructor; do \
	  kw=$$( [ $$domain = student ] && echo '$(KEYWORDS_student)' || echo '$(KEYWORDS_instructor)' ); \
	  $(BABEL) -q extract -F babel.cfg --no-default-keywords $$kw --no-location --sort-output -o build/$$domain.pot . && \
	  for lang in es en; do \
	    $(BABEL) -q update -i build/$$domain.pot -d autograder/locale -D $$domain -l $$lang --ignore-obsolete --no-fuzzy-matching || exit 1; \
	  done; \
	done

build: $(STAMP)
	$(VENV)/bin/autograder build

clean:
	rm -rf $(VENV) build .nbgrader demo-course
