# Two commands on a fresh machine with Python 3.11 and pip:  make demo  and  make test.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# what make installs: tests, files, fast kernels, MPI data parallelism, ONNX export, ...
EXTRAS := test,io,fast,distributed,export,rl,h5,tensorboard,scenes

# Real datasets live in ../shared/data when this checkout sits beside it (offline mirror).
ifneq ($(wildcard ../shared/data),)
export NERVE_DATASETS_MIRROR ?= $(abspath ../shared/data)
endif

.PHONY: demo test test-without-peers fuzz bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[$(EXTRAS)]"
	@# PyTorch is a test/benchmark-only peer; the reference tests skip cleanly without it.
	$(BIN)/python -m pip install -q torch==2.13.0 || echo "torch==2.13.0 unavailable: PyTorch comparisons will be skipped"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m nerve train lenet5 --modern --dataset mnist --seed 0 --out runs/demo

test: $(STAMP)
	@# two test workers on two cores: one BLAS thread each, or OpenBLAS threads fight over the cores
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python -m pytest -q -n 2 tests
	@# every docstring example in the package runs too (the names they use: conftest.py)
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python -m pytest -q -p no:xdist --doctest-modules nerve

test-without-peers: $(STAMP)
	@# as on a machine without PyTorch, Keras, TensorFlow or JAX (tests/without_peers.py hides them):
	@# only the comparisons with them skip (the summary lists each); every correctness check has a NumPy oracle
	NERVE_TEST_WITHOUT=torch,keras,tensorflow,jax OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
		$(BIN)/python -m pytest -q -n 2 tests

fuzz: $(STAMP)
	@# property-based fuzzing of every file reader (tests/security/fuzzing.py): NERVE_FUZZ_EXAMPLES random
	@# inputs per reader (default 5000, minutes); `make test` runs 25 derandomized ones per reader
	NERVE_FUZZ_EXAMPLES=$${NERVE_FUZZ_EXAMPLES:-5000} OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
		$(BIN)/python -m pytest -q -p no:xdist tests/security/test_fuzz_readers.py --hypothesis-show-statistics

bench: $(STAMP)
	$(BIN)/python benchmarks/ops.py
	$(BIN)/python benchmarks/train.py

clean:
	rm -rf $(VENV) runs .pytest_cache
