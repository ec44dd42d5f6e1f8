# The two commands a fresh machine needs: `make demo` and `make test`.
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
JLPM    := $(abspath $(VENV))/bin/jlpm
LABEXT  := labextension
BUILT_DIR := jupyter_mlops/labextension
BUILT   := $(BUILT_DIR)/package.json
# Where pip installed the extension's shared data (a copy, not a link).
SHARED  := $(VENV)/share/jupyter/labextensions/jupyter-mlops
PYTEST_ARGS ?=

.PHONY: install labext jstest demo test lint format lab bench clean

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Installs the package (building the lab extension) with test and dev extras,
# and a kernelspec that points at this venv's python.
$(STAMP): pyproject.toml $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix > /dev/null
	touch $(STAMP)

install: $(STAMP)

# pip install built the extension; rebuild it (and copy it into the venv's
# shared data, where JupyterLab reads it) only when its sources changed since.
labext: install
	@if [ ! -f $(BUILT) ] || [ -n "$$(find $(LABEXT)/src $(LABEXT)/style $(LABEXT)/schema $(LABEXT)/package.json -newer $(BUILT) | head -1)" ]; then \
		echo "building the lab extension"; \
		cd $(LABEXT) && $(JLPM) install && PATH="$(abspath $(VENV))/bin:$$PATH" $(JLPM) build && cd .. && \
		rm -rf $(SHARED)/static $(SHARED)/schemas && cp -r $(BUILT_DIR)/static $(BUILT_DIR)/schemas $(BUILT) $(SHARED)/ ; \
	fi

# jest: the side panel's API client and state logic.
jstest: labext
	cd $(LABEXT) && { [ -d node_modules ] || $(JLPM) install; } && $(JLPM) test --silent

demo: install
	$(PY) -m jupyter_mlops.demo

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# pytest's exit code 5 (no tests collected) is a failure here.
test: install lint jstest
	$(VENV)/bin/pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

format: install
	$(VENV)/bin/ruff format jupyter_mlops tests benchmarks
	$(VENV)/bin/ruff check --fix jupyter_mlops tests benchmarks

lab: install
	cd example_notebooks && ../$(VENV)/bin/jupyter lab

bench: install
	for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .mlops .pytest_cache
