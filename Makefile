# Maeul — the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
# The venv runs the Lambda runtime's Python: `chalice package` takes the functions' runtime from the
# interpreter it runs on (devtools/find-python says where it looked). A venv of another version is
# made anew.
LAMBDA_PYTHON := 3.13
PYTHON ?= $(shell devtools/find-python $(LAMBDA_PYTHON))
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(LAMBDA_PYTHON)

.PHONY: install run test test-fast test-heavy test-calendar lint bench load package clean

$(STAMP): requirements.txt requirements-dev.txt devtools/faketime_sleep.py
	@test -n "$(PYTHON)" || { echo "no Python $(LAMBDA_PYTHON): see above" >&2; exit 2; }
	@if [ -x $(PY) ] && ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != tuple(map(int, "$(LAMBDA_PYTHON)".split("."))))'; then \
	  echo "the venv is not Python $(LAMBDA_PYTHON): making it anew"; rm -rf $(VENV); fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24,<26.3"  # chalice 1.34 needs pip<26.3
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m devtools.faketime_sleep  # time.sleep under libfaketime (see the module)
	@touch $(STAMP)

install: $(STAMP)

run: install  # make run AT=2026-12-07T10:00:30+09:00 starts the local clock at that instant
	$(PY) -m ops.run $(if $(AT),--at '$(AT)')

# The whole suite, in a random order, on three workers (each file on one worker with its own emulator;
# the workers mostly wait on their emulator, so three keep two cores busy):
# pytest-randomly prints the seed; replay an order with
# `make test PYTEST_ARGS="-p randomly --randomly-seed=N"`. The heavy runs run at their gate size here.
WORKERS ?= 3
test: install lint
	$(PY) -m ops.browser --ensure
	$(PY) -m pytest -n $(WORKERS) --dist loadfile $(PYTEST_ARGS)

test-fast: install
	$(PY) -m pytest tests/unit tests/functional $(PYTEST_ARGS)

# The heavy runs at full size: the 200-resident booking race, the full schema fuzz, the 40-resident load
# run, the booking state machine on DynamoDB with 8 examples.
HEAVY := tests/integration/test_booking_concurrency.py tests/integration/test_api_schema.py \
	tests/integration/test_load_run.py tests/integration/test_booking_properties.py
test-heavy: install
	MAEUL_TEST_SCALE=full $(PY) -m pytest -p no:randomly $(HEAVY) $(PYTEST_ARGS)  # a fixed order: reproducible

# The fast tiers under libfaketime at instants far from today (Debian package faketime); the whole
# suite passes there too (docs/RELIABILITY.md lists the instants tried).
CALENDAR ?= 2027-02-08 01:30:00,2028-02-29 14:59:30
test-calendar: install
	@command -v faketime >/dev/null || { echo "test-calendar needs faketime (apt-get install faketime)"; exit 1; }
	@instants='$(CALENDAR)'; IFS=,; for at in $$instants; do echo "== fast tiers with the clock at $$at UTC"; \
	  FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "@$$at" $(PY) -m pytest -q tests/unit tests/functional \
	    $(PYTEST_ARGS) || exit 1; done

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy --strict chalicelib/domain chalicelib/services chalicelib/composition.py
	$(VENV)/bin/cfn-lint infra/template.yaml
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/deploy.yml
	@if command -v actionlint >/dev/null; then actionlint .github/workflows/deploy.yml; \
	else echo "actionlint not on PATH: workflow checked against its schema only (docs/OPERATIONS.md, Pipeline)"; fi

# With the stage's region (infra/stages.json), so it works in a fresh shell without ~/.aws/config.
PACKAGE_DIR ?= build/prod-package
package: install
	$(PY) -m ops.stages prod -- $(VENV)/bin/chalice package --stage prod $(PACKAGE_DIR)

clean:
	rm -rf build .run .pytest_cache test-artifacts

bench: install
	$(PY) -m bench.run

load: install  # against a running `make run`: scripts/load --help
	$(PY) -m ops.load
