# Two commands do all the set-up on a fresh machine:
#   make demo   install hlssim in .venv and run the headline NPM-vs-HLS comparison
#   make test   install hlssim with its test tools in .venv, run the test suite, then judge every
#               experiment's expectations in quick form (hlssim check; JUnit in test-artifacts/),
#               then run the stylized-facts suite in quick form (hlssim validate)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check validate install bench clean

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
	$(MAKE) --no-print-directory check
	$(MAKE) --no-print-directory validate

check: $(STAMP)  # fresh runs each time: stored runs from an older model must not be judged
	rm -rf test-artifacts/check
	$(BIN)/hlssim check experiments --quick --quiet --out test-artifacts/check \
		--junit test-artifacts/experiments-junit.xml

validate: $(STAMP)  # the stylized-facts suite, quick form; the report is an artifact (VALIDATION.md is the full form)
	rm -rf test-artifacts/validation && mkdir -p test-artifacts/validation
	$(BIN)/hlssim validate --quick --quiet --out test-artifacts/validation/runs \
		--report test-artifacts/validation/VALIDATION.md

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_mesa.py
	$(BIN)/python benchmarks/bench_engines.py

clean:
	rm -rf $(VENV) results
