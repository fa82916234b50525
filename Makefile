# The README is the truth about these targets.
PYTHON ?= python3
PORT ?= 8000
# Test workers (pytest-xdist): one per core.
JOBS ?= auto
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app:create_app

.PHONY: run test lint typecheck bench icons translations translations-update translations-compile setup setup-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

setup: $(VENV)/.runtime translations-compile
	$(BIN)/flask db upgrade

# The Nu HTML checker (tests/web/test_html_valid.py), from tools/vnu/package-lock.json, run with the system's Java.
# Without npm it is not installed and that test skips (in CI it fails). --ignore-scripts: vnu-jar's postinstall
# would download a JRE of its own.
VNU := tools/vnu/node_modules/.installed
$(VNU): tools/vnu/package-lock.json
	@if command -v npm >/dev/null; then \
	  (cd tools/vnu && npm ci --ignore-scripts --no-audit --no-fund --silent) && touch $@ \
	  || echo "tools/vnu: npm ci failed; the HTML check will be skipped"; \
	else echo "tools/vnu: no npm, so the HTML check will be skipped (apt-get install npm default-jre-headless)"; fi

setup-dev: $(VENV)/.dev translations-compile $(VNU)

## make run: set up, migrate, compile translations, offer the demo on an empty database, serve on http://127.0.0.1:$(PORT)
run: setup
	$(BIN)/flask offer-demo
	$(BIN)/gunicorn --config python:app.gunicorn_local --bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

## make test: set up and run the whole suite
test: setup-dev
	$(BIN)/pytest -n $(JOBS) --dist loadfile

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## make typecheck: mypy on the modules held to it so far (pyproject.toml [tool.mypy]); the rule strictly
TYPED := app/dosing
typecheck: setup-dev
	$(BIN)/mypy --follow-imports=silent $(TYPED)

bench: setup-dev
	cd bench && npm ci --no-audit --no-fund --silent || echo "bench: npm ci failed; Lighthouse will be skipped"
	$(BIN)/python bench/run.py
	$(BIN)/python bench/patients.py
	$(BIN)/python bench/reminders.py --rounds 1
	$(BIN)/python bench/clinicians.py
	$(BIN)/python bench/load.py

## make icons: rebuild the app icons (PNG, maskable, favicon) from static/icons/icon.svg
icons: setup-dev
	$(BIN)/python tools/build_icons.py

## make translations: extract UI strings and update every catalog (LOCALE=xx starts a new one)
translations: $(VENV)/.runtime
	$(BIN)/pybabel extract --no-location --sort-by-file -F babel.cfg -k _l -o app/translations/messages.pot .
	@if [ -n "$(LOCALE)" ]; then $(BIN)/pybabel init -i app/translations/messages.pot -d app/translations -l $(LOCALE); fi
	$(BIN)/pybabel update --no-fuzzy-matching -i app/translations/messages.pot -d app/translations

translations-compile: $(VENV)/.runtime
	$(BIN)/pybabel compile --statistics -d app/translations 2>&1 | tail -n 3

clean:
	rm -rf $(VENV) instance/cache
