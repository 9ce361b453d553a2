# The two commands that matter on a fresh machine:
#   make site   set up (virtualenv + dependencies) and build the example site into public/
#   make test   set up (incl. test dependencies) and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: site test setup browser-deps clean

site: setup
	$(BIN)/mlnotes build . -o public

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@

test: setup browser-deps
	$(BIN)/python -m pytest -q

# Browser tests drive Debian's chromium; CJK fonts so pages draw Chinese.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

clean:
	rm -rf public .mlnotes-cache $(VENV)
