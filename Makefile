.PHONY: provision run test lint

provision:
	bash scripts/provision.sh

run: provision
	bash scripts/run.sh

test: provision
	bash scripts/test.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
