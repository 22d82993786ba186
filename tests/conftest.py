from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def blank_resources():
    """Extraction resources with spacy.blank pipelines: gazetteer rules only, no statistical model."""
    from crawler.process import default_resources

    return default_resources(blank=True)


@pytest.fixture(scope="session")
def resources():
    """Extraction resources with the installed statistical models (loaded once per test session)."""
    from crawler.process import default_resources

    return default_resources()


@pytest.fixture()
def demo_site():
    from crawler.demo.server import serve_demo_site

    with serve_demo_site() as url:
        yield url


@pytest.fixture()
def demo_sources(tmp_path, demo_site):
    from crawler.demo.server import demo_sources_text

    path = tmp_path / "demo-sources.yaml"
    path.write_text(demo_sources_text(demo_site), encoding="utf-8")
    return path


def talentwatch(*args: str, db: Path | None = None, timeout: float = 300, check: bool = True, cwd: Path | None = None):
    """Run the installed `talentwatch` console script in a subprocess (Scrapy's reactor runs once per process)."""
    argv = [str(BIN / "talentwatch")]
    if db is not None:
        argv += ["--db", str(db)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("TALENTWATCH_DB", None)
    result = subprocess.run(argv + list(args), capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd)
    if check and result.returncode != 0:
        raise AssertionError(f"talentwatch {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}")
    return result


@pytest.fixture()
def servers():
    """Start extra local HTTP servers on demand (`servers.new()`); all are stopped after the test."""
    from tests.crawl_site import Servers

    started = Servers()
    yield started
    started.stop()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """The demo database (`talentwatch demo`), built once per session. Tests that change it work on a copy."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    talentwatch("demo", db=path)
    return path
