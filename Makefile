# notebook-publish. Every target sets up .venv on first use, then builds only what
# changed: each output depends on the notes, media, theme, config and code it uses.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NP     := $(BIN)/notebook-publish
STRICT ?=
JOBS   ?=

# File lists with spaces escaped, so make can depend on notes named "My Page 1b50….md".
files_in = $(shell find $(1) -type f -not -name '.*' 2>/dev/null | sed 's/ /\\ /g')
CODE   := $(call files_in,src) pyproject.toml
NOTES  := $(call files_in,notes media)
THEME  := $(call files_in,themes)
CONFIG := $(wildcard handbook.yml)
INPUTS := $(STAMP) $(CODE) $(NOTES) $(THEME) $(CONFIG)

.PHONY: all pdf html slides check test release bench bench-pdf bench-slides fuzz clean distclean

all: pdf slides

# Re-install whenever the project's metadata changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

pdf: build/handbook.pdf
build/handbook.pdf: $(INPUTS)
	$(NP) pdf $(STRICT) $(if $(JOBS),--jobs $(JOBS))
	@touch $@

html: build/handbook.html
build/handbook.html: $(INPUTS)
	$(NP) html $(STRICT)
	@touch $@

slides: build/slides/.built
build/slides/.built: $(INPUTS)
	$(NP) slides $(STRICT) $(if $(JOBS),--jobs $(JOBS))
	@touch $@

release: pdf slides
	$(NP) release

check: $(STAMP)
	$(NP) check $(STRICT)

test: $(STAMP)
	$(BIN)/python -m pytest -q

# Writes the figures into BENCHMARKS.md (bench/bench.py: ours against the peers, one run).
bench: $(STAMP)
	$(BIN)/python bench/bench.py --write BENCHMARKS.md

bench-pdf: $(STAMP)
	$(BIN)/python bench/bench_pdf.py

bench-slides: $(STAMP)
	$(BIN)/python bench/bench_slides.py

# Longer property-based runs than CI's (tests/test_fuzz.py reads FUZZ_EXAMPLES).
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-3000} $(BIN)/python -m pytest -q tests/test_fuzz.py

clean:
	rm -rf build

distclean: clean
	rm -rf $(VENV)
