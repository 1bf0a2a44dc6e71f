# tocsin — make targets. `make run` and `make test` work from a fresh clone on Debian.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
APT_PACKAGES := prometheus-alertmanager prometheus postgresql
PYTEST_FLAGS ?=

.PHONY: run test test-fast test-parallel test-realtime lint typecheck check bench bench-pg venv system-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

## Start tocsin with the example configuration on SQLite under ./data.
run: $(STAMP)
	$(BIN)/tocsin serve --config examples/tocsin.yml --data-dir ./data

## Install the real components the tests run (Alertmanager and amtool) when missing.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

## Every test: the parallel suite, then the real-time tests two at a time (each may run a pair of servers).
test: $(STAMP) system-deps
	$(BIN)/python -m pytest -n 2 -m "not realtime" $(PYTEST_FLAGS)
	$(BIN)/python -m pytest -n 2 -m "realtime" $(PYTEST_FLAGS)

## The inner loop: no real-time tests, no external programs.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not realtime and not external" $(PYTEST_FLAGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

check: lint typecheck test-fast

## Side-by-side benchmark of tocsin and Alertmanager: every scenario, median of 3 (5-10 minutes).
bench: $(STAMP) system-deps
	$(BIN)/python -m bench \
	  --server "tocsin=$(BIN)/tocsin serve --config {config} --listen 127.0.0.1:{port} --data-dir {datadir}" \
	  --server "alertmanager=prometheus-alertmanager --config.file={config} --storage.path={datadir} --web.listen-address=127.0.0.1:{port} --cluster.listen-address=" \
	  --repeat 3 --json bench/results/latest.json

## The same, plus tocsin on a throwaway PostgreSQL cluster (one round).
bench-pg: $(STAMP) system-deps
	$(BIN)/python -m bench.pg \
	  --server "tocsin=$(BIN)/tocsin serve --config {config} --listen 127.0.0.1:{port} --data-dir {datadir}" \
	  --server "alertmanager=prometheus-alertmanager --config.file={config} --storage.path={datadir} --web.listen-address=127.0.0.1:{port} --cluster.listen-address=" \
	  --repeat 1 --json bench/results/latest-pg.json

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache .hypothesis
