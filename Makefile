# Two entry points for a fresh machine with only python3 and make:
#   make demo   -- set everything up and run the main job (the demo shop, until Ctrl-C)
#   make test   -- set everything up and run lint, types, layer contracts and the tests
PYTHON ?= python3
TOOLS := .tools
VENV := .venv
UV := $(TOOLS)/bin/uv
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: setup demo test lint typecheck layers pytest bench clean

setup: $(VENV)/.synced

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --locked --python $(PYTHON)
	touch $@

# The web app and its worker on a fresh SQLite file and the simulators, until Ctrl-C.
demo: setup
	$(VENV)/bin/b2b serve --demo

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy

layers: setup
	$(VENV)/bin/lint-imports

pytest: setup
	$(VENV)/bin/pytest

test: lint typecheck layers pytest

# Benchmarks with figures and ratios (docs/performance.md); never part of `make test`.
bench: setup
	$(VENV)/bin/python -m benchmarks

clean:
	rm -rf $(VENV) $(TOOLS) .mypy_cache .pytest_cache .ruff_cache .hypothesis
