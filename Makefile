# The two set-up commands of the README: `make run` and `make test`.
VENV := .venv
PYTHON := $(VENV)/bin/python
# Python 3.11's venv seeds pip 23.2 and setuptools 65.5, both with published advisories
# (CVE-2023-5752, CVE-2025-8869; CVE-2024-6345, CVE-2025-47273); these are the fixed releases.
BOOTSTRAP := 'pip>=25.3' 'setuptools>=78.1.1'
STAMP = $(VENV)/.installed-$(1)-$(shell cat pyproject.toml Makefile | sha1sum | cut -c1-12)

.PHONY: run test

# One pytest process per core and one more (each with its own redis-server and PostgreSQL
# database): the tests spend part of their time waiting on servers and subprocesses, and on 2
# cores three processes ran the suite in 6:06 where two took 8:06. The bench smoke runs share
# one process (their xdist_group), so no two load the machine at once.
# `make test PYTEST_XDIST=` runs everything in one process.
PYTEST_XDIST ?= -n $(shell echo $$(( $$(nproc) + 1 ))) --dist loadgroup

# Bytecode is written during the tests even where PYTHONDONTWRITEBYTECODE is set (as on this
# project's CI image): without it every pytest process, and every feedbot, gunicorn and worker
# process the tests start, compiled every module anew (collecting the tests took 15 s of CPU
# where it takes 6 s; a feedbot process 0.6 s more). It lands in __pycache__ (ignored by git).
test: export PYTHONDONTWRITEBYTECODE :=

run: $(call STAMP,run)
	$(VENV)/bin/feedbot demo

test: $(call STAMP,test)
	bash .ci/services
	$(PYTHON) -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)
	$(VENV)/bin/feedbot translations check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# A bare Debian lacks ensurepip until python3-venv is installed; a failed try leaves a venv
# without pip behind, so it is removed before the second one.
$(VENV)/bin/python:
	python3 -m venv $(VENV) || { rm -rf $(VENV) && apt-get update -q >/dev/null \
	  && apt-get install -y -q python3-venv >/dev/null && python3 -m venv $(VENV); }

$(VENV)/.installed-run-%: | $(VENV)/bin/python
	$(PYTHON) -m pip install -q --upgrade $(BOOTSTRAP)
	$(PYTHON) -m pip install -q -e .
	touch $@

# --no-compile: pip's byte-compiling of every installed module was half of the install (48 s
# against 25 s here); the tests compile only the modules they import, once (see above).
$(VENV)/.installed-test-%: | $(VENV)/bin/python
	$(PYTHON) -m pip install -q --upgrade $(BOOTSTRAP)
	$(PYTHON) -m pip install -q --no-compile -e '.[test]'
	touch $@
