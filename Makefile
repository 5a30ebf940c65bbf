# The quick start: `make demo` runs the kiosk with simulated hardware, `make test` runs the suite.
# Both create .venv and install pinned versions themselves; only python3 is needed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test check bench bench-compare soak fuzz lint types imports format clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,dev]'
	@touch $(STAMP)

demo: $(STAMP)
	GPIOZERO_PIN_FACTORY=mock $(VENV)/bin/kiosk demo

# Three workers on two cores: a third of the suite's time is spent waiting (a screen settling, a
# kiosk subprocess answering), so a third worker fills the cores that two leave idle.
test: $(STAMP)
	$(PY) -m pytest -n 3 -q

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

types: $(STAMP)
	$(VENV)/bin/mypy

imports: $(STAMP)
	$(VENV)/bin/lint-imports

check: lint types imports test

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP)
	$(PY) -m bench

# Two commits side by side: `make bench-compare BASE=<commit>` (BENCH=endtoend,lane ROUNDS=2).
bench-compare: $(STAMP)
	BASE=$(BASE) $(PY) -m bench.compare

# A week of school days (Monday to Friday, then Monday morning) through one real `kiosk run`
# on a clock the soak moves; SOAK_LEARNERS learners a day (300 by default).
soak: $(STAMP)
	$(PY) -m bench.soak 5

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q -m "not postgres" tests/domain tests/drivers \
		tests/reliability/test_roster_fuzz.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
