# Every target sets up .venv on first use, so `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export DAGSTER_HOME ?= $(CURDIR)/.dagster

.PHONY: run test chromium lint format ui sql docs docs-serve bench bench-full bench-validation bench-venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The instance settings follow pipelines/dagster.yaml (run queue, run monitoring) while the
# file in $(DAGSTER_HOME) is our copy (its first line); a dagster.yaml of your own is left alone.
INSTANCE_YAML := $(DAGSTER_HOME)/dagster.yaml
$(INSTANCE_YAML): pipelines/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	if [ ! -f $@ ] || head -1 $@ | grep -q '^# Dagster instance settings, copied'; then \
	  cp pipelines/dagster.yaml $@; \
	else echo "$@ is your own: merge the settings of pipelines/dagster.yaml into it"; touch $@; fi

## run: materialize every asset on the bundled sample catalog (offline) and print the summary
run: $(STAMP) $(INSTANCE_YAML)
	$(BIN)/kotapintar run

## sql: the DuckDB shell on the analyst file, read-only (the pipeline may write a new one meanwhile)
sql: $(STAMP)
	$(BIN)/duckdb -readonly $${KOTAPINTAR_WAREHOUSE:-warehouse/kotapintar.duckdb}

## test: lint, format check and the offline test suite
test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@$(WITH_CKAN) $(BIN)/python -m pytest -q -n 2 --dist loadfile

# The portal integration tests (marker `ckan`) need a real CKAN: when ../shared/tools/ckan/ckan-local
# exists, start it (first start 60-90 s; it keeps its venv and data in $(CKAN_BASE)), hand its URL
# and sysadmin token file to pytest, and stop it afterwards if this target started it. If it
# cannot start, the marked tests are skipped with the reason and the rest still run.
CKAN_LOCAL := ../shared/tools/ckan/ckan-local
CKAN_BASE  ?= /tmp/ckan
CKAN_URL   := http://127.0.0.1:$${CKAN_PORT:-5055}
WITH_CKAN  = started=; portal=; \
	if [ -f $(CKAN_LOCAL) ]; then \
	  if curl -sf -o /dev/null $(CKAN_URL)/api/3/action/status_show; then portal=$(CKAN_URL); \
	  else echo "starting ckan-local for the portal tests (log: $(CKAN_BASE).log)"; \
	    if BASE=$(CKAN_BASE) bash $(CKAN_LOCAL) up > $(CKAN_BASE).log 2>&1; \
	    then portal=$(CKAN_URL); started=1; \
	    else echo "ckan-local did not start; the portal tests will be skipped:"; tail -5 $(CKAN_BASE).log; fi; \
	  fi; \
	fi; \
	trap 'if [ -n "$$started" ]; then BASE=$(CKAN_BASE) bash $(CKAN_LOCAL) down >> $(CKAN_BASE).log 2>&1; fi' EXIT; \
	KOTAPINTAR_TEST_PORTAL_URL=$$portal KOTAPINTAR_TEST_PORTAL_TOKEN_FILE=$(CKAN_BASE)/token.txt

# The browser test of the Dagster UI (tests/test_ui_browser.py, marker `browser`) drives Debian's
# Chromium; Playwright's own browser downloads are not used. Installed here when missing and we
# are root with apt-get (on a fresh machine the package lists come first); otherwise say why and
# carry on: the test is then skipped with the reason.
CHROMIUM := /usr/bin/chromium
chromium:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
	  echo "no $(CHROMIUM) and no apt-get: the browser test (marker browser) will be skipped"; \
	elif [ "$$(id -u)" != 0 ]; then \
	  echo "no $(CHROMIUM) and not root: the browser test will be skipped" \
	    "(sudo apt-get install -y chromium to run it)"; \
	else echo "installing Debian's chromium for the browser test (log: /tmp/chromium-apt.log)"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y --no-install-recommends chromium > /tmp/chromium-apt.log 2>&1 \
	  || { apt-get update >> /tmp/chromium-apt.log 2>&1 \
	       && apt-get install -y --no-install-recommends chromium >> /tmp/chromium-apt.log 2>&1; } \
	  || { echo "apt-get could not install chromium; the browser test will be skipped:"; \
	       tail -3 /tmp/chromium-apt.log; }; \
	fi

## docs: the documentation site (MkDocs, Material theme) built offline in strict mode into
## build/site; `make docs-serve` serves it on http://127.0.0.1:8000 while you edit
# The catalog reference page (docs/catalog/reference.md) is generated from the catalog model by
# `python -m sources.catalog_schema`; the build fails while it is missing (strict: no page may be).
# NO_MKDOCS_2_WARNING: Material prints a notice about its end of life on every build.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --clean --site-dir build/site

docs-serve: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## ui: the Dagster UI (http://127.0.0.1:3000) with the asset graph and the nightly schedule, and
## the Data Docs its checks link to (`kotapintar datadocs`, KOTAPINTAR_DATA_DOCS_URL)
# The Data Docs server runs in the background and is stopped when the UI stops (Ctrl-C included:
# a background job of a script ignores SIGINT, so the trap ends it).
ui: $(STAMP) $(INSTANCE_YAML)
	$(BIN)/kotapintar datadocs & docs=$$!; \
	trap 'kill $$docs 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# dlt, the peer of the benchmark, lives in its own venv: it is not a dependency of the project.
BENCH_VENV  := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed-stamp

## bench: the quick benchmark: pipeline vs the DuckDB floor and dlt (bench/run.py; --full for
## the 50/200/500-source series and the 1M-row CSV: `make bench-full`)
bench: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python bench/run.py

bench-full: $(STAMP) $(BENCH_STAMP)
	$(BIN)/python bench/run.py --full

## bench-validation: the validation benchmark (1M tidy rows, GX next to the DuckDB SQL floor)
bench-validation: $(STAMP)
	$(BIN)/python bench/validation.py

$(BENCH_STAMP): bench/requirements.txt
	test -x $(BENCH_VENV)/bin/python || $(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/python -m pip install --quiet -r bench/requirements.txt
	touch $(BENCH_STAMP)

bench-venv: $(BENCH_STAMP)

clean:
	rm -rf data .dagster warehouse/*.duckdb
