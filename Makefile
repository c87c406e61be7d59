# Maeul — the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test test-fast lint bench load package clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m ops.run

test: install
	$(PY) -m ops.browser --ensure
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest tests/unit tests/functional

lint: install
	$(VENV)/bin/cfn-lint infra/template.yaml

package: install
	$(VENV)/bin/chalice package --stage prod build/prod-package

clean:
	rm -rf build .run .pytest_cache test-artifacts

bench: install
	$(PY) -m bench.run

load: install  # against a running `make run`: scripts/load --help
	$(PY) -m ops.load
