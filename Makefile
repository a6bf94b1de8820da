# Two commands set everything up:  `make lab` opens the course, `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test test-fast lessons bench clean help

help:
	@echo "make lab      - set up .venv and open the course in JupyterLab"
	@echo "make test     - set up .venv and run the whole test suite"
	@echo "make lessons  - regenerate lessons/ from solutions/ (after editing a lesson)"
	@echo "make bench    - run the benchmarks, write benchmarks/results.json and RESULTS.md"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=lessons

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lessons: $(STAMP)
	$(BIN)/python -m autograde.release

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
