# The template's two commands, plus lint:
#   make serve   bake the default project into build/, install it, migrate it, serve it
#                as its Dockerfile does (on the project's event loop)
#   make test    bake every option set and check it (see tests/); pytest's own options
#                go in PYTEST_ARGS, e.g. make test PYTEST_ARGS='-m "not slow"'
#   make lint    ruff on the hooks, the template's tests and scripts
#   make bench   the generated service beside hello-world under wrk (scripts/bench.py);
#                its options go in BENCH_ARGS, e.g. make bench BENCH_ARGS="--runs 5"
#   make docs-assets  refresh the Swagger UI and ReDoc files baked projects serve
#                (scripts/docs_assets.py: their versions are there)
#   make lock    refresh the uv.lock each baked project installs from, one per database
#                ({{cookiecutter.project_slug}}/uv_<database>.lock, scripts/lock.py): every
#                package at its newest version; make lock LOCK_ARGS=--keep changes only what
#                pyproject.toml asks for
#   make tags    the vX.Y.Z git tags (which a clone lacks) at the commits CHANGELOG.md's
#                headings name (scripts/release_tags.py); make tags TAGS_ARGS=--dry-run
#                says what it would do; git push --tags publishes them

PYTHON ?= python3
VENV := .venv
# Written after a successful install; pyproject.toml being newer means reinstall.
STAMP := $(VENV)/.installed-from-pyproject
PROJECT := build/my_service

.PHONY: serve test lint bench docs-assets lock tags

serve: $(STAMP)
	rm -rf $(PROJECT)
	$(VENV)/bin/cookiecutter . --no-input --default-config --output-dir build
	$(VENV)/bin/python -m venv $(PROJECT)/.venv
	cd $(PROJECT) && .venv/bin/pip install --quiet -e ".[dev]"
	cd $(PROJECT) && .venv/bin/alembic upgrade heads
	@echo "Serving $(PROJECT): open http://127.0.0.1:8000/docs (Ctrl-C stops it)"
	cd $(PROJECT) && exec .venv/bin/python -m my_service serve --host 127.0.0.1 --port 8000

# Three processes on this 2-core machine: the tests wait much of the time (on a server, an
# install, a served project, a timeout), and two processes left a third of the cores idle
# (22 min 53 s with two, 13 min 47 s with three). TEST_PROCESSES=0 runs every test in this one.
TEST_PROCESSES ?= 3
test: $(STAMP)
	$(VENV)/bin/pytest --numprocesses $(TEST_PROCESSES) --dist loadgroup $(PYTEST_ARGS)

bench: $(STAMP)
	$(VENV)/bin/python scripts/bench.py $(BENCH_ARGS)

docs-assets: $(STAMP)
	$(VENV)/bin/python scripts/docs_assets.py

lock: $(STAMP)
	$(VENV)/bin/python scripts/lock.py $(LOCK_ARGS)

# Standard library only: no install first.
tags:
	$(PYTHON) scripts/release_tags.py $(TAGS_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check hooks tests scripts
	$(VENV)/bin/ruff format --check hooks tests scripts

# The dev dependency group of pyproject.toml, installed with plain pip (pip learned
# `--group` only in 25.1, newer than many a system's).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: $(PYTHON) is Python %d.%d; the tooling needs 3.11 or newer: run make PYTHON=/path/to/python3.11" % sys.version_info[:2])'
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["dependency-groups"]["dev"]))' > $(VENV)/dev-requirements.txt
	$(VENV)/bin/pip install --quiet -r $(VENV)/dev-requirements.txt
	touch $(STAMP)
