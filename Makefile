# The two commands of the README: `make run` (the app on the demo data) and `make test`.
.PHONY: run test setup setup-dev setup-region bench

PORT ?= 8501

run: setup-region
	.venv/bin/streamlit run streamlit_app.py --server.port $(PORT)

test: setup-dev
	.venv/bin/python -m pytest

setup:
	bash scripts/setup.sh

setup-dev:
	bash scripts/setup.sh --dev

setup-region:
	bash scripts/setup.sh --region

bench: setup-dev
	.venv/bin/python bench/run.py
