"""Extraction on the real-text development set (../shared/dev, texts rebuilt into .dev-texts/ as its README
says), scored by the shared tool, per language, with the share of items whose language is named right.
Skipped when the manifests or the texts are absent (CI has no texts). The floors are a little under what
this version reaches (issue 15's targets, English and French together: figures strict F1 0.87, entity
recall 0.92, relevance 0.96); lowering one is an explicit edit."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.evaluation import DEV_SETS, DEV_TEXTS, dev_texts_present, score_dev_set

FLOORS = {
    "en": {"figures_strict_f1": 0.92, "entity_recall": 0.94, "relevance_acc": 0.88, "lang_acc": 1.0},
    "fr": {"figures_strict_f1": 0.91, "entity_recall": 0.91, "relevance_acc": 0.96, "lang_acc": 1.0},
    # German, Spanish and Italian (manifest-multi.jsonl), read with rules only: each, and the three together as
    # issue 20 judges them (figures strict F1 0.75, entity recall 0.80, relevance 0.90, every language right)
    "de": {"figures_strict_f1": 0.77, "entity_recall": 0.82, "relevance_acc": 1.0, "lang_acc": 1.0},
    "es": {"figures_strict_f1": 0.55, "entity_recall": 0.86, "relevance_acc": 0.83, "lang_acc": 1.0},
    "it": {"figures_strict_f1": 0.85, "entity_recall": 0.85, "relevance_acc": 1.0, "lang_acc": 1.0},
    "multi": {"figures_strict_f1": 0.77, "entity_recall": 0.85, "relevance_acc": 0.95, "lang_acc": 1.0},
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_the_dev_set_reaches_its_floors(name):
    if not dev_texts_present(name):
        pytest.skip(f"../shared/dev/{DEV_SETS[name][0]} or its texts in {DEV_TEXTS.relative_to(ROOT)}/ are absent")
    values = score_dev_set(name)
    assert values["errors"] == 0 and values["missing"] == 0, values
    for key, floor in FLOORS[name].items():
        assert values[key] >= floor, (name, key, values[key])
