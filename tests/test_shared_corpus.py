"""Extraction on the real articles of ../shared/corpus, scored by the shared tool. Skipped when absent."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import BIN, ROOT, SHARED

# Floors pinned at what this version reaches (the way trafilatura's evaluation gate does); lowering one
# is an explicit edit.
FLOORS = {"figures_strict_f1": 0.95, "entity_recall": 0.85, "relevance_acc": 1.0}

pytestmark = pytest.mark.skipif(not (SHARED / "corpus" / "gold.jsonl").exists(), reason="../shared/corpus is absent")


def test_shared_corpus_reaches_the_floors():
    result = subprocess.run(
        [sys.executable, str(SHARED / "tools" / "score_extract.py"), "--gold", str(SHARED / "corpus" / "gold.jsonl"),
         "--texts", str(SHARED / "corpus"), "--batch-cmd", f"{BIN / 'talentwatch'} extract {{paths}}"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("summary "), result.stdout
    values = dict(part.split("=") for part in summary.split()[1:])
    assert values["errors"] == "0" and values["missing"] == "0"
    for key, floor in FLOORS.items():
        assert float(values[key]) >= floor, (key, values[key], result.stdout)
