# The two commands of the README: `make run` (the main job) and `make test` (the tests).
# Both create the virtual environment from requirements.txt on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
export PYTHONPATH := $(CURDIR)/plugins

.PHONY: run test lint sample clean

run: $(VENV)/.installed
	$(BIN)/python -m dxstats.cli run

test: $(VENV)/.installed
	scripts/ensure_services.sh
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .

sample: $(VENV)/.installed
	$(BIN)/python scripts/generate_sample.py

clean:
	rm -rf var .pytest_cache .ruff_cache

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@
