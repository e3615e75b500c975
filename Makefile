# Two commands for a newcomer: `make run` (demo district at http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: install run test lint bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $@

install: $(VENV)/.installed

# The demo logins (DESIGN.md) work with their password alone; set TWO_FACTOR_REQUIRED=true to try the code step.
run: export TWO_FACTOR_REQUIRED ?= false
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	@echo "Starting web, Celery worker and beat: http://127.0.0.1:$(PORT)  (Ctrl+C stops all three)"
	$(BIN)/honcho start --procfile Procfile.dev --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

test: lint
	$(BIN)/pytest

bench: install
	$(BIN)/python -m bench.run

# Refresh the German catalogue after changing interface strings, then translate the new entries.
messages: install
	$(BIN)/python manage.py makemessages --locale de --no-obsolete --ignore ".venv/*" --ignore "var/*" --ignore "tests/*" --ignore "bench/*"
	$(BIN)/python manage.py compilemessages --locale de --ignore ".venv/*"

clean:
	rm -rf $(VENV) var
