PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MEDIAPIPE := mediapipe==0.10.21
export FACECAST_MEDIA ?= $(abspath ../shared/media)

.PHONY: run test lint bench eval clean

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/pip || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --no-deps $(MEDIAPIPE)
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m facecast.demo

test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

bench: $(STAMP)
	$(BIN)/python bench/swap_speed.py

eval: $(STAMP)
	$(BIN)/python bench/eval_matrix.py

clean:
	rm -rf $(VENV) out
