# Two commands for a newcomer:  `make demo`  and  `make test`  (both set themselves up).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: setup demo test test-fast lint bench clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv

$(VENV)/.installed: $(BIN)/uv pyproject.toml
	VIRTUAL_ENV=$(abspath $(VENV)) $(BIN)/uv pip install -q -e '.[test]'
	touch $@

setup: $(VENV)/.installed  ## create .venv with mlt (editable) and the test tools

demo: setup  ## generate every project type into ./demo and run each one's own install + tests
	PATH=$(abspath $(BIN)):$$PATH bash scripts/demo.sh

test: setup  ## the whole suite: unit, CLI, template renders, child projects, docker builds
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/python -m pytest $(PYTEST_ARGS)

test-fast: setup  ## everything but the slow tests (no child installs, no image builds)
	PATH=$(abspath $(BIN)):$$PATH $(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check generator tests benchmarks scripts
	$(BIN)/ruff format --check generator tests benchmarks scripts

bench: setup  ## speed targets, reported as ratios
	for b in benchmarks/bench_*.py; do PATH=$(abspath $(BIN)):$$PATH $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .venvs demo build dist .pytest_cache
