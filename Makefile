# agecascade: `make demo` and `make test` build their environment from nothing (python3 -m venv +
# pip from PyPI) and then run. Nothing else needs to be installed first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# auto-sklearn 0.15 needs numpy 1.x / scikit-learn 0.24: its own venv, used by the regression rule
ASKL_VENV  ?= .venv-autosklearn
ASKL_STAMP := $(ASKL_VENV)/.installed
CORES  ?= 2
# GPU=1 installs TensorFlow's CUDA build (tensorflow[and-cuda], the pinned version) instead of the
# CPU one; it is the default where nvidia-smi lists a GPU. Without it a GPU node trains on its CPU.
GPU    ?= $(shell nvidia-smi -L 2>/dev/null | grep -q '^GPU' && echo 1)
TF_VERSION := $(shell sed -n 's/^tensorflow_cpu==//p' requirements.txt)
SMK    := $(BIN)/snakemake
DEMO   := --configfile config.yaml config.demo.yaml
# 2 cores: two one-thread training jobs at a time beat one two-thread job (graph building and
# start-up are single-threaded and dominate at the demo's size)
DEMO_RUN := $(DEMO) --set-threads train_stage=1 train_fold=1 train_fold_kept=1 train_unified=1 extract_features=1

.PHONY: all venv demo test lint test-fast test-integration test-e2e test-slurm bench bench-autosklearn clean-demo

all: demo

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	if [ "$(GPU)" = "1" ]; then \
	  $(BIN)/pip uninstall --quiet --yes tensorflow-cpu && \
	  $(BIN)/pip install --quiet "tensorflow[and-cuda]==$(TF_VERSION)"; fi
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(ASKL_STAMP): envs/autosklearn-venv.sh envs/autosklearn-constraints.txt
	rm -rf $(ASKL_VENV)
	PYTHON=$(PYTHON) bash envs/autosklearn-venv.sh $(ASKL_VENV)
	touch $@

# both environments side by side: the auto-sklearn one compiles (CPU), the main one mostly unpacks
venv:
	$(MAKE) -j2 $(STAMP) $(ASKL_STAMP)

## demo: the whole workflow on synthetic data, on this machine's CPU
demo: venv
	$(SMK) $(DEMO_RUN) --cores $(CORES)
	$(SMK) $(DEMO) --report results/report.html
	@cat results/summary.txt
	@echo "Report (every figure and table, with the thesis' values): results/report.html"

## test: lint, then every tier (fast, integration, end-to-end demo, SLURM): what CI runs
test: venv
	$(MAKE) lint
	$(BIN)/pytest -v --durations=25

## lint: ruff (pyflakes, pycodestyle, at most 8 parameters a function), snakefmt, snakemake --lint
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks workflow_scripts
	$(BIN)/snakefmt --check Snakefile rules/
	$(SMK) --lint $(DEMO)

## test-fast: the tier to run while working (in-process, no subprocess or Snakemake run; < 2 min)
test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not integration and not slow and not slurm" --durations=10

## test-integration: subprocesses, Snakemake dry runs, the wheel, kill/resume, export round trips
test-integration: $(STAMP)
	$(BIN)/pytest -v -m "integration and not slow and not slurm" --durations=10

## test-e2e: the demo workflow run by Snakemake and checked (needs the auto-sklearn venv)
test-e2e: $(STAMP) $(ASKL_STAMP)
	$(BIN)/pytest -v -m "slow and not slurm" --durations=10

## test-slurm: install and start a single-node SLURM (root + apt), run the demo through
## `snakemake --profile slurm`, stop the daemons (also part of `make test`)
test-slurm: $(STAMP)
	$(BIN)/pytest -v -m slurm

## bench: preparation, prediction, export, training start-up and training throughput (prints measured ratios)
bench: $(STAMP)
	$(BIN)/python benchmarks/prepare_throughput.py
	$(BIN)/python benchmarks/predict_throughput.py
	$(BIN)/python benchmarks/predict_memory.py
	$(BIN)/python benchmarks/export_speed.py
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/training_throughput.py

## bench-autosklearn: configurations tried and crashed in a 150 s auto-sklearn run
bench-autosklearn: $(ASKL_STAMP)
	$(ASKL_VENV)/bin/python benchmarks/autosklearn_configurations.py --budget 150

clean-demo:
	rm -rf results resources/synthetic resources/raw resources/faces resources/downloads logs .snakemake
