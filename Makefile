# The README's two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
TRANSLATIONS := lsi_assembly/translations
CATALOGS := $(wildcard $(TRANSLATIONS)/*/LC_MESSAGES/messages.po)

.PHONY: run test install install-test translations extract-messages system-packages clean

## run: install, migrate, load demo data (first run), serve on HOST:PORT with the task queue's worker
## (mail, PDFs, periodic work; both stop on Ctrl-C)
run: install translations
	@bash .ci/system-packages runtime
	@export LSI_ENV=$${LSI_ENV:-development}; \
	$(FLASK) db upgrade && \
	$(FLASK) seed-demo && \
	echo "" && \
	echo "LSI Assembly: http://$(HOST):$(PORT)/  (staff sign-in: http://$(HOST):$(PORT)/login)" && \
	echo "" && \
	{ $(FLASK) worker & worker=$$!; \
	  trap 'kill -TERM $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	  trap 'exit 130' INT; trap 'exit 143' TERM; \
	  $(FLASK) run --host "$(HOST)" --port "$(PORT)"; }

## test: install what the tests need (Chromium and axe-core included), check the layers, run the whole suite
## (lint-imports checks the import contracts in pyproject.toml: a broken one fails the target before pytest)
test: system-packages install-test translations
	$(BIN)/lint-imports --no-logo
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-test.txt
	@touch $@

# axe-core (package.json, pinned in package-lock.json) for the accessibility browser tests; npm comes
# with Debian's nodejs/npm (.ci/system-packages).
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing (make system-packages, or apt-get install nodejs npm)"; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test node_modules/.installed

## translations: compile the .po catalogues (the compiled .mo files are not committed)
translations: $(CATALOGS:.po=.mo)

$(TRANSLATIONS)/%/LC_MESSAGES/messages.mo: $(TRANSLATIONS)/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d $(TRANSLATIONS) -l $*

## extract-messages: refresh the template and the catalogues after changing strings
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs ".*" --no-location --sort-output \
		--project "LSI Assembly" -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS)

## system-packages: Debian packages the app and the tests need (Pango, HarfBuzz, Chromium, Poppler, Node.js and npm)
system-packages:
	@bash .ci/system-packages

clean:
	rm -rf $(VENV) node_modules .pytest_cache $(TRANSLATIONS)/*/LC_MESSAGES/*.mo
