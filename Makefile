# Nhắc việc — two commands do all the set-up: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint fmt clean bench

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Cần Python 3.11 (python3.11) / Python 3.11 is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/nhacviec run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy storage scheduler bot
	# PostgreSQL for the tests' own servers (tests/pg_kit.py), headless Chromium for the browser tests
	scripts/debian-packages.sh postgresql chromium
	$(BIN)/python -m pytest

# Benchmarks (not tests): each benchmarks/bench_*.py prints its figures and writes them to
# benchmarks/RESULTS.md (results.py and runs.py are modules they share, not benchmarks).
# BENCH_BASELINE=<checkout of an older commit> adds a "before" column measured in the same run.
bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
