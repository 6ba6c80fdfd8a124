# notebook-publish: every target sets up .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NP     := $(BIN)/notebook-publish

.PHONY: all check test clean distclean

all: check

# Re-install whenever the project's metadata changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

check: $(STAMP)
	$(NP) check

test: $(STAMP)
	$(BIN)/python -m pytest -q

clean:
	rm -rf build

distclean: clean
	rm -rf $(VENV)

# ---- outputs -------------------------------------------------------------
.PHONY: pdf html slides bench-pdf bench-slides

pdf: $(STAMP)
	$(NP) pdf

html: $(STAMP)
	$(NP) html

slides: $(STAMP)
	$(NP) slides

bench-pdf: $(STAMP)
	$(BIN)/python bench/bench_pdf.py

bench-slides: $(STAMP)
	$(BIN)/python bench/bench_slides.py
