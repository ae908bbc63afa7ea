# Two commands: `make run` (solve the default scenario) and `make test`.
# Both create .venv on first use; nothing else needs installing by hand.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SCENARIO ?= instances/october-2025.yaml

.PHONY: run test bench ladder

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/exchange-planner solve $(SCENARIO)

test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -q -n 2

bench: $(STAMP)
	$(PY) benchmarks/run.py

ladder: $(STAMP)
	$(PY) benchmarks/ladder.py
