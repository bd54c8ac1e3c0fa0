# The README's two commands: `make demo` and `make test`. Each makes its own virtual environment.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

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

demo: $(STAMP)
	$(VENV)/bin/cotag demo --dir demo-project

test: $(STAMP)
	$(PY) -m pytest -q -n 2 --dist loadgroup $(PYTEST_ARGS)

# What CI runs: lint (ruff), the layering contracts (import-linter), then the whole test suite.
check: $(STAMP)
	$(VENV)/bin/ruff check src tests bench demo_corpus
	$(VENV)/bin/lint-imports
	$(MAKE) test

bench: $(STAMP)
	$(PY) bench/import_bench.py

# The generator lives outside the package (demo_corpus/); -m finds it from the repository root.
corpus: $(STAMP)
	$(PY) -m demo_corpus --out transcripts

clean:
	rm -rf $(VENV) demo-project .pytest_cache
