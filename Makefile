# One-command set-up: `make report` and `make test` create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
EDITION ?= 2013

.PHONY: report test lint test-all check bench lab lock clean

$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23"
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

## report: validate data and publish reports/<edition>/ (default edition $(EDITION))
report: $(STAMP)
	$(BIN)/evaluation check
	$(BIN)/evaluation run --edition $(EDITION)

## test: lint and types, then the test suite (slow recovery studies excluded; `make test-all` runs them)
test: lint
	$(BIN)/python -m pytest -q -m "not slow" -n auto --maxprocesses=4 --dist loadfile

## lint: ruff (rules in pyproject.toml) and mypy on src/
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

test-all: $(STAMP)
	$(BIN)/python -m pytest -q

check: $(STAMP)
	$(BIN)/evaluation check

## bench: print pipeline, model and panel benchmark figures
bench: $(STAMP)
	$(BIN)/python bench/model.py
	$(BIN)/python bench/panel.py
	$(BIN)/python bench/pipeline.py

## lab: add JupyterLab (authoring only) and start it
lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[lab]"
	$(BIN)/jupyter lab notebooks/

## lock: regenerate requirements.lock from pyproject.toml pins (needs the registry)
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet ".[test]"
	.lock-venv/bin/pip freeze --exclude evaluation > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) reports/*/ reports/index*.html reports/.cache reports/.staging
