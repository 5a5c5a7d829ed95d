# Two commands on a fresh machine: `make run` (the TUI on the baseline) and `make test`.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SCENARIO ?= configs/aifc_pilot_2022.yaml

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/sandbox tui $(SCENARIO)

test: $(STAMP)
	$(BIN)/ruff check sim tui tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n auto

lint: $(STAMP)
	$(BIN)/ruff format --check sim tui tests bench
	$(BIN)/ruff check sim tui tests bench

bench: $(STAMP)
	$(BIN)/python bench/gate_vs_simpy.py
	$(BIN)/python bench/baseline_year.py
	$(BIN)/python bench/compare_year.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/scale_invariance.py
	$(BIN)/python bench/tui_latency.py
	$(BIN)/python bench/sweep_scaling.py
	$(BIN)/python bench/sweep_memory.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
