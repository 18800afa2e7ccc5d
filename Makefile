# The two set-up commands of the README: `make run` and `make test`.
VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP = $(VENV)/.installed-$(1)-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test

run: $(call STAMP,run)
	$(VENV)/bin/feedbot demo

test: $(call STAMP,test)
	bash .ci/services
	$(PYTHON) -m pytest $(PYTEST_ARGS)
	$(VENV)/bin/feedbot translations check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

$(VENV)/bin/python:
	python3 -m venv $(VENV)

$(VENV)/.installed-run-%: | $(VENV)/bin/python
	$(PYTHON) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test-%: | $(VENV)/bin/python
	$(PYTHON) -m pip install -q -e '.[test]'
	touch $@
