# agecascade: `make demo` and `make test` build their environment from nothing (python3 -m venv +
# pip from PyPI) and then run. Nothing else needs to be installed first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
CORES  ?= 2
SMK    := $(BIN)/snakemake
DEMO   := --configfile config.yaml config.demo.yaml
# 2 cores: two one-thread training jobs at a time beat one two-thread job (graph building and
# start-up are single-threaded and dominate at the demo's size)
DEMO_RUN := $(DEMO) --set-threads train_stage=1 train_fold=1 train_fold_kept=1

.PHONY: all venv demo test lint test-unit test-slow bench clean-demo

all: demo

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

venv: $(STAMP)

## demo: the whole workflow on synthetic data, on this machine's CPU
demo: $(STAMP)
	$(SMK) $(DEMO_RUN) --cores $(CORES)
	@cat results/summary.txt

## test: formatting, lint, dry runs, unit and end-to-end tests (all of them)
test: lint
	$(BIN)/pytest -v

lint: $(STAMP)
	$(BIN)/snakefmt --check Snakefile rules/
	$(SMK) --lint $(DEMO)

test-unit: $(STAMP)
	$(BIN)/pytest -m "not slow"

test-slow: $(STAMP)
	$(BIN)/pytest -m slow

## bench: preparation throughput and peak memory (prints measured ratios)
bench: $(STAMP)
	$(BIN)/python benchmarks/prepare_throughput.py

clean-demo:
	rm -rf results resources/synthetic resources/raw resources/faces resources/downloads logs .snakemake
