# Two commands for a newcomer:  make run   (install + start the bot)   make test   (install + run the tests)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: install run test lint chat package bench
$(BIN)/python:
	$(PY) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'

run: install
	$(BIN)/python app.py

chat: install
	$(BIN)/python app.py chat

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check .

package: install
	$(BIN)/python app.py package
