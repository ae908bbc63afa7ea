# Two commands: `make run` (the planner app, default scenario loaded) and `make test`.
# Both create .venv on first use; `make test` also installs Debian's Chromium for the
# browser test when it is missing. Nothing else needs installing by hand.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SCENARIO ?= instances/october-2025.yaml

CHROMIUM := /usr/bin/chromium

.PHONY: run solve test bench bench-tools ladder screenshots

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(CHROMIUM):
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium

run: $(STAMP)
	$(VENV)/bin/streamlit run ui/app.py --server.address=localhost --server.showEmailPrompt=false \
		--browser.gatherUsageStats=false --server.maxUploadSize=10

solve: $(STAMP)
	$(VENV)/bin/exchange-planner solve $(SCENARIO)

test: $(STAMP) $(CHROMIUM)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/pytest -q -n 2

bench: $(STAMP)
	$(PY) benchmarks/run.py

bench-tools: $(STAMP)
	$(PY) benchmarks/negotiator.py

ladder: $(STAMP)
	$(PY) benchmarks/ladder.py

screenshots: $(STAMP) $(CHROMIUM)
	$(PY) -m ui.screenshots docs/img
