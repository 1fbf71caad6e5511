# Two commands do all the set-up on a fresh machine:
#   make demo   install hlssim in .venv and run the headline NPM-vs-HLS comparison
#   make test   install hlssim with its test tools in .venv and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/hlssim compare --presets npm_targets,hls --complexity 0.8 --reps 20 --out results/headline

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_mesa.py
	$(BIN)/python benchmarks/bench_engines.py

clean:
	rm -rf $(VENV) results
