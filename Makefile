# The two commands for a new user: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
PYTHON ?= python3

.PHONY: run test setup lint format bench load clean screenshots

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

## Migrate the database and, on the embedded default, load demo data and demo accounts.
setup: $(VENV)/.installed
	$(PY) -m db.cli setup

## Set everything up and start the app on http://localhost:$(PORT)
run: setup
	$(PY) -m streamlit run serve.py --server.port $(PORT) --server.address localhost

## Set everything up, lint, and run the whole test suite.
test: $(VENV)/.installed lint
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

## Page run times at 1x, 10x and 100x scale against their floor, and a returning user's first
## page in Chromium against its floor (issue 15); writes bench/results.md; the import's speed;
## how fast two projectors follow the presenter through nginx (bench/beamer.md)
bench: $(VENV)/.installed
	$(PY) bench/run.py
	$(PY) bench/import_speed.py
	$(PY) bench/beamer_follow.py

## Many users at once (1-50 sessions per page over WebSocket against a floor, profile, 50 slow
## sessions, nginx in front of two app processes against one, 1,000-session churn; about 8
## minutes); writes bench/load.md with the issue's targets at the top
load: $(VENV)/.installed
	$(PY) bench/load.py $(LOAD_ARGS)

## One PNG per page (demo data, 1920x1080; dashboard pages as a viewer) in docs/screenshots/
screenshots: $(VENV)/.installed
	$(PY) -m tests.screenshots
