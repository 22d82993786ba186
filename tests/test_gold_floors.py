"""The evaluation gate: extraction on the project's gold sets must not fall below these floors.

Like trafilatura's evaluation, the floors sit a little under what this version measures (`make eval`
prints the figures); lowering one is an explicit edit in review, raising one is welcome.
"""

from __future__ import annotations

import pytest

from tests.evaluation import GOLD, evaluate, format_score

# Measured by this version (make eval): sentences-en F1 0.97, sentences-fr F1 0.99, articles F1 0.98 with
# entity recall 0.97 and relevance 1.00, shared corpus F1 1.00 with entity recall 0.89. The issue's bar is
# F1 >= 0.85, entity recall >= 0.90 and relevance >= 0.95 on the project's own sets.
FLOORS = {
    "sentences-en": {"figures_strict_f1": 0.93, "subject_acc": 0.90},
    "sentences-fr": {"figures_strict_f1": 0.95, "subject_acc": 0.90},
    "articles": {"figures_strict_f1": 0.94, "entity_recall": 0.93, "relevance_acc": 0.95, "subject_acc": 0.85},
    "shared-corpus": {"figures_strict_f1": 0.95, "entity_recall": 0.85, "relevance_acc": 1.0},
}
MIN_SENTENCES = 150
MIN_ARTICLES = 20


@pytest.fixture(scope="module")
def scores(resources):
    return evaluate(resources)


def test_the_gold_sets_are_big_enough_and_well_formed():
    from tests.evaluation import gold_sets

    sets = gold_sets(include_shared=False)
    sentences = sets["sentences-en"] + sets["sentences-fr"]
    articles = sets["articles"]
    assert len(sentences) >= MIN_SENTENCES and len(articles) >= MIN_ARTICLES
    assert {c.lang for c in sentences} == {c.lang for c in articles} == {"en", "fr"}
    assert any(not c.relevant for c in articles) and any(c.relevant for c in articles)
    for case in sentences + articles:
        for figure in case.figures:
            if figure["kind"] == "date":
                assert figure.get("iso"), case.id
            else:
                assert (figure.get("value") is None) != (figure.get("min") is None and figure.get("max") is None), (
                    case.id
                )
            assert figure.get("text") is None or figure["text"] in case.content, (case.id, figure["text"])
    assert (GOLD / "README.md").exists()


@pytest.mark.parametrize("name", list(FLOORS))
def test_extraction_reaches_the_floors(scores, name):
    if name not in scores:
        pytest.skip(f"{name} is absent")
    summary = scores[name].summary()
    print(format_score(name, scores[name]))
    low = {
        key: (summary[key], floor)
        for key, floor in FLOORS[name].items()
        if summary[key] is None or summary[key] < floor
    }
    assert not low, f"{name} below its floors (measured, floor): {low}"
