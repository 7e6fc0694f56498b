# News archive: import scraped news, build with Pelican, index with Pagefind.
# Pelican's own conventions (html, serve, publish, github, clean) plus site, test, import.

PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTHON := $(BIN)/python
PELICAN := $(BIN)/pelican

BASEDIR := $(CURDIR)
INPUTDIR ?= $(BASEDIR)/content
OUTPUTDIR ?= $(BASEDIR)/output
CONFFILE ?= $(BASEDIR)/pelicanconf.py
PUBLISHCONF ?= $(BASEDIR)/publishconf.py
SAMPLES ?= $(BASEDIR)/samples
REPORT ?= $(BASEDIR)/cache/import-report.jsonl
HOST ?= 127.0.0.1
PORT ?= 8000
GITHUB_PAGES_BRANCH ?= gh-pages
PYTEST_ARGS ?=
PELICANOPTS ?=
BENCH_N ?= 20000
GROWTH_N ?= 1000,10000,20000,100000
OFFLINEDIR ?= $(BASEDIR)/offline-output
BAG ?= $(BASEDIR)/offline-bag

STAMP := $(VENV)/.installed

.PHONY: help venv import html site serve publish github clean test lint golden offline bag verify fuzz bench bench-deploy bench-growth

help:
	@echo "make serve    import the bundled samples, build the site + search index, serve http://$(HOST):$(PORT)"
	@echo "make site     the same without serving"
	@echo "make test     run the test suite"
	@echo "make import   import SAMPLES (default: samples/) into INPUTDIR (default: content/)"
	@echo "make html     build OUTPUTDIR from INPUTDIR with pelicanconf.py (Pagefind index included)"
	@echo "make publish  build with publishconf.py (SITEURL=... absolute URLs)"
	@echo "make github   publish to the $(GITHUB_PAGES_BRANCH) branch with ghp-import"
	@echo "make clean    remove OUTPUTDIR"
	@echo "make offline  build the offline edition (works from disk, search included) into OFFLINEDIR"
	@echo "make bag      package the offline edition as a BagIt bag (BAG) and BAG.zip"
	@echo "make verify   validate BAG=path (folder or zip), naming every missing or altered file"
	@echo "make bench    full pipeline benchmark vs Hugo + Pagefind and stock Pelican (BENCH_N=20000)"
	@echo "make bench-deploy  publishing one more story by git push, incremental vs clean (BENCH_N)"
	@echo "make bench-growth  cost per stage as N grows: make bench at each of GROWTH_N, one table"
	@echo "make fuzz     long property-based fuzz run of every input reader (EXAMPLES=N, default 2000)"

# The virtual environment, rebuilt when pyproject.toml changes.
$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

venv: $(STAMP)

import: $(STAMP)
	mkdir -p $(dir $(REPORT))
	$(PYTHON) scripts/import_articles.py --content "$(INPUTDIR)" --report "$(REPORT)" "$(SAMPLES)"

html: $(STAMP)
	$(PELICAN) "$(INPUTDIR)" -o "$(OUTPUTDIR)" -s "$(CONFFILE)" $(PELICANOPTS)

site: import html

serve: site
	$(PELICAN) --listen --bind $(HOST) --port $(PORT) -o "$(OUTPUTDIR)" -s "$(CONFFILE)"

publish: $(STAMP)
	$(PELICAN) "$(INPUTDIR)" -o "$(OUTPUTDIR)" -s "$(PUBLISHCONF)" $(PELICANOPTS)

github: publish
	$(BIN)/pip install --quiet ghp-import
	$(BIN)/ghp-import -m "Publish archive" -b $(GITHUB_PAGES_BRANCH) "$(OUTPUTDIR)"
	git push origin $(GITHUB_PAGES_BRANCH)

clean:
	rm -rf "$(OUTPUTDIR)"

test: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# Regenerate the importer's golden files (tests/golden) and content/ from samples/; review the diff.
golden: $(STAMP)
	UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/test_importer.py -k golden
	rm -rf content/articles content/images
	$(MAKE) import

# Offline edition: relative links to real files, search that runs from file://, fixity.
offline: $(STAMP)
	$(PYTHON) scripts/make_offline.py --content "$(INPUTDIR)" --output "$(OFFLINEDIR)"

bag: offline
	$(PYTHON) scripts/bag.py make --src "$(OFFLINEDIR)" --bag "$(BAG)" --zip "$(BAG).zip"

verify: $(STAMP)
	$(PYTHON) scripts/bag.py verify "$(BAG)"

# Long property-based fuzzing of every input reader (CI runs a bounded profile in make test).
fuzz: $(STAMP)
	$(PYTHON) scripts/fuzz.py --examples $(or $(EXAMPLES),2000)

# Full pipeline benchmark (import, build, index) beside stock Pelican and Hugo + Pagefind on the
# same synthetic stories; prints wall/CPU/peak RSS per stage and the ratios (docs/scaling.md).
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(PYTHON) -m benchmarks.bench_pipeline --n $(BENCH_N)

# Cost per stage as the archive grows (docs/scaling.md): the benchmark at each N of GROWTH_N
# (from 50,000 on without Hugo, stock Pelican and one-story rebuilds), then one table.
bench-growth: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(PYTHON) -m benchmarks.growth --run $(GROWTH_N)

# Publishing by git push with the real hook (deploy/): one more story, incremental vs clean.
bench-deploy: $(STAMP)
	$(PYTHON) -m benchmarks.bench_deploy --n $(BENCH_N)
