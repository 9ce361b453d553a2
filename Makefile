# The two commands that matter on a fresh machine:
#   make site   set up (virtualenv + dependencies) and build the example site into public/
#   make test   set up (incl. test dependencies) and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: site test setup serve-static clean

site: setup
	$(BIN)/mlnotes build . -o public

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

test: setup
	$(BIN)/python -m pytest -q

clean:
	rm -rf public .mlnotes-cache $(VENV)
