# Quick start: `make audit` checks the shipped evidence; `make test` runs the whole test suite.
# Both set up a virtual environment in .venv first, with the versions pinned in constraints.txt.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: audit test bench setup setup-test browser lab report clean

audit: $(VENV)/.installed
	$(BIN)/evidence-kit check .

test: $(VENV)/.installed-test browser
	$(BIN)/python -m pytest

# The README's Performance table: a synthetic project of 100,000 claims and 30,000 bib entries,
# every step three times in fresh processes (about twelve minutes; compares with checkcites when the
# Debian package texlive-extra-utils is installed).
bench: $(VENV)/.installed
	$(BIN)/evidence-kit bench

setup: $(VENV)/.installed

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"

# An editable install leaves the package's bytecode to the first run, which cannot write it where
# PYTHONDONTWRITEBYTECODE is set (and then compiles every module on every run): compile it here, as
# pip does for a regular install.
$(VENV)/.installed: $(VENV)/bin/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	$(BIN)/python -m compileall -q src/evidence_kit
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[all]"
	touch $@

# JupyterLab on the notebooks: audit overview, review of one article, summary statistics.
lab: $(VENV)/.installed-test
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

# The HTML report of the project, offline-ready: open build/report/index.html in a browser.
report: $(VENV)/.installed-test
	$(BIN)/evidence-kit report . --out build/report

# The HTML report's test drives Debian's Chromium; install it when it is absent (needs root or sudo).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .evidence-kit-cache
