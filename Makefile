# notebook-publish. Every target sets up .venv on first use; the tool itself then
# builds only what changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NP     := $(BIN)/notebook-publish
STRICT ?=
JOBS   ?=

.PHONY: all pdf html slides check test test-fast lint release publish watch serve bench bench-pdf bench-slides fuzz clean distclean

all: pdf slides

# Re-install whenever the project's metadata changes.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The tool decides what to rebuild, from content hashes: make's file lists could not
# see a removed note, a copy with an old date (cp -p, unzip), a theme or media folder
# elsewhere, or a note named `a: b.md`. With nothing changed each takes a few tenths
# of a second and says "up to date".
pdf: $(STAMP)
	$(NP) pdf $(STRICT) $(if $(JOBS),--jobs $(JOBS))

html: $(STAMP)
	$(NP) html $(STRICT)

slides: $(STAMP)
	$(NP) slides $(STRICT) $(if $(JOBS),--jobs $(JOBS))

# Builds the handbook and decks for the version being released, then gathers them.
release: $(STAMP)
	$(NP) release $(STRICT) $(if $(JOBS),--jobs $(JOBS))

# What the release job does on a tag: --strict against notebook-publish.baseline, then
# the files attached to the tag's GitHub release with the gh CLI.
publish: $(STAMP)
	$(NP) release --strict --upload $(if $(JOBS),--jobs $(JOBS))

# Rebuilds the handbook and the decks after each burst of saves (Ctrl-C stops).
watch: $(STAMP)
	$(NP) watch --pdf --slides $(if $(JOBS),--jobs $(JOBS))

# The web page on http://127.0.0.1:8000/ (PORT=N for another), rebuilt on every save and
# reloaded in the open browser tab (Ctrl-C stops).
serve: $(STAMP)
	$(NP) serve $(if $(PORT),--port $(PORT))

check: $(STAMP)
	$(NP) check $(STRICT)

# The tests run on every core (pytest-xdist). `--dist loadfile` sends each test file to
# one worker, so a build that a file's tests share (a module-scoped fixture) is made
# once. Files go out in collection order, the longest first (tests/conftest.py), so
# the workers finish together. (`loadgroup` would balance better, but its groups do
# nothing under pytest 9.)
# TESTFLAGS adds pytest options, e.g. TESTFLAGS="-n 0 -x" for one process.
TESTFLAGS ?=
XDIST     := -n auto --dist loadfile --no-loadscope-reorder

# Everything, as CI runs it (.ci/run).
test: $(STAMP)
	$(BIN)/python -m pytest -q $(XDIST) $(TESTFLAGS)

# The suite without the tests marked `slow` (whole notebooks, 20 MB notes, fault
# injection): under two minutes on two cores, for the edit-test loop. CI runs `test`.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q $(XDIST) -m "not slow" $(TESTFLAGS)

# Lint, formatting (ruff) and types (mypy --strict on src/); the rules are in
# pyproject.toml. CI runs it before the tests.
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

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

# Removes only what notebook-publish wrote (its manifests say what) and its cache.
clean:
	@if [ -x $(NP) ]; then $(NP) clean; else echo "nothing to clean: .venv is not set up"; fi

distclean: clean
	rm -rf $(VENV)
