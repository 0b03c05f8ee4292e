VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin

.PHONY: install run test lint bench clean

$(BIN)/jiuzhu: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(BIN)/jiuzhu

# install: create .venv and install jiuzhu with its development tools
install: $(BIN)/jiuzhu

# run: set up everything and run the main job (the demonstration service)
run: install
	$(BIN)/jiuzhu demo

# test: the whole test suite (PostgreSQL tests too when JIUZHU_TEST_DATABASE_URL is set)
test: install
	$(BIN)/pytest -n 2 tests

# lint: ruff and mypy, both must be clean
lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

# bench: measured figures (claims/s of jiuzhu calc on 1M claims, import and service load)
bench: install
	$(PY) bench/run_all.py

# clean: remove generated files
clean:
	rm -rf var build *.egg-info .pytest_cache .mypy_cache .ruff_cache
