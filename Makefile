# Every target sets up .venv on first use, so `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export DAGSTER_HOME ?= $(CURDIR)/.dagster

.PHONY: run test lint format ui bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(DAGSTER_HOME):
	mkdir -p $(DAGSTER_HOME)
	test -f $(DAGSTER_HOME)/dagster.yaml || cp pipelines/dagster.yaml $(DAGSTER_HOME)/dagster.yaml

## run: materialize every asset on the bundled sample catalog (offline) and print the summary
run: $(STAMP) $(DAGSTER_HOME)
	$(BIN)/kotapintar run

## test: lint, format check and the offline test suite
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## ui: the Dagster UI (http://127.0.0.1:3000) with the asset graph and the nightly schedule
ui: $(STAMP) $(DAGSTER_HOME)
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

## bench: the validation benchmark (1M tidy rows, GX next to the DuckDB SQL floor)
bench: $(STAMP)
	$(BIN)/python bench/validation.py

clean:
	rm -rf data .dagster warehouse/*.duckdb
