# The README's two commands: `make demo` and `make test`. Each makes its own virtual environment.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
READERS := $(VENV)/.readers-stamp

.PHONY: demo test check bench corpus clean

# compileall: the editable install leaves src/ uncompiled, and where PYTHONDONTWRITEBYTECODE is set
# every command would compile cotag's modules again as it starts.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "cotag needs Python 3.11 or newer (found %s)" % sys.version.split()[0]'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	$(PY) -m compileall -q src
	@touch $(STAMP)

# Two real third-party REFI-QDA readers for tests/interop whose own pins clash with cotag's (qc: rich<14;
# Taguette: SQLAlchemy<1.5), so installed without their pins, for the tests only; their tests skip if this
# fails (offline).
$(READERS): $(STAMP)
	-$(PY) -m pip install --quiet --no-deps qualitative-coding==1.7.8 taguette==1.5.2 && \
	  $(PY) -m pip install --quiet "structlog<26" "semver<4" "webvtt-py<0.6" "tabulate<0.10" "more-itertools<11" chardet sentry-sdk
	@touch $(READERS)

demo: $(STAMP)
	$(VENV)/bin/cotag demo --dir demo-project

test: $(READERS)
	$(PY) -m pytest -q -n 2 --dist loadgroup $(PYTEST_ARGS)

# What CI runs: lint (ruff), types (mypy, config in pyproject), the layering contracts (import-linter), then the
# whole test suite.
check: $(READERS)
	$(VENV)/bin/ruff check src tests bench demo_corpus
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(MAKE) test

bench: $(STAMP)
	$(PY) bench/import_bench.py

# The generator lives outside the package (demo_corpus/); -m finds it from the repository root.
corpus: $(STAMP)
	$(PY) -m demo_corpus --out transcripts

clean:
	rm -rf $(VENV) demo-project .pytest_cache
