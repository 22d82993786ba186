"""spaCy pipelines per language: the statistical NER plus an EntityRuler built from the gazetteer.

Only the NER runs (the sm models' NER has its own tok2vec), and sentences come from rules that cut where
spaCy's Sentencizer does and at paragraph ends: the rules need sentences, not a dependency parse.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy
import spacy
from spacy.language import Language
from spacy.pipeline.sentencizer import Sentencizer
from spacy.strings import hash_string
from spacy.symbols import ORTH

from extract.normalize import slug

NOT_NEEDED = ["tok2vec", "parser", "lemmatizer", "tagger", "morphologizer", "attribute_ruler", "senter"]


class ModelMissing(RuntimeError):
    """No spaCy model for a language is installed."""


# The characters that end a sentence: spaCy's Sentencizer's own list, and their string hashes (the same in
# every vocabulary) to find them among a doc's ORTH ids
SENTENCE_END = frozenset(Sentencizer.default_punct_chars)
_END_IDS = numpy.array(sorted(hash_string(c) for c in SENTENCE_END), dtype=numpy.uint64)


@Language.component("sentence_boundaries")
def sentence_boundaries(doc):  # noqa: ANN001 - spaCy component signature
    """Sentences the way spaCy's Sentencizer cuts them (the first token that is no punctuation after a full
    stop, "!" or "?" starts one), and a new line starts one too: headings and captions have no final stop.

    Computed on the token arrays (C arrays), not by a loop over the tokens as the Sentencizer does: that
    makes a Python object per token and cost as much as all the figure rules. The tokenizer puts every run of
    whitespace with a line break in a token of its own, so the token after it starts a sentence."""
    n = len(doc)
    if n == 0:
        return doc
    orths = doc.to_array("ORTH")
    ends = numpy.isin(orths, _END_IDS)
    # whitespace tokens are few (one per paragraph or so): which of them hold a line break, from their text
    spaces = numpy.flatnonzero(doc.to_array("IS_SPACE"))
    strings = doc.vocab.strings
    breaks = [i for i in spaces.tolist() if "\n" in strings[int(orths[i])]]
    punct = doc.to_array("IS_PUNCT").astype(bool) | ends
    starts = numpy.zeros(n, dtype=bool)
    starts[0] = True
    # a token that is no punctuation starts a sentence when a sentence end stands since the previous one
    words = numpy.flatnonzero(~punct)
    seen = numpy.cumsum(ends)
    if len(words) > 1:
        previous, current = words[:-1], words[1:]
        starts[current[seen[current - 1] - seen[previous] > 0]] = True
    if len(words) and words[0] > 0 and seen[words[0] - 1] > 0:
        starts[words[0]] = True
    after_break = numpy.array(breaks, dtype=numpy.int64) + 1
    starts[after_break[after_break < n]] = True
    values = numpy.where(starts, 1, -1).astype("int64").view("uint64").reshape(-1, 1)  # -1: not a start
    doc.from_array(["SENT_START"], values)
    return doc


def sentence_offsets(doc, text: str) -> list[tuple[int, int]]:  # noqa: ANN001 - a spaCy Doc
    """(start, end) character offsets of each sentence of `doc` (whose text is `text`), blanks trimmed.

    Read from the token arrays rather than `doc.sents`: making a Span and its tokens for every sentence
    cost more than the rules that then read the text."""
    if len(doc) == 0:
        return []
    flags = doc.to_array("SENT_START")
    flags[0] = 1
    starts = [int(i) for i in doc.to_array("IDX")[flags == 1]]
    offsets = []
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        raw = text[start:end]
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            offsets.append((start + lead, start + lead + len(stripped)))
    return offsets


@dataclass
class Gazetteer:
    """Canonical entities by name, and the surfaces that are never entities."""

    entities: dict[str, dict[str, Any]] = field(default_factory=dict)
    ignore: set[str] = field(default_factory=set)
    by_surface: dict[str, str] = field(default_factory=dict)  # casefolded surface -> canonical name
    forms: dict[str, Any] = field(default_factory=dict)  # kind -> lang -> head words (entities.yaml `forms`)

    @classmethod
    def from_config(cls, entities: Iterable[Any], ignore: Iterable[str], forms: dict | None = None) -> Gazetteer:
        gaz = cls(forms=forms or {})
        ids: dict[str, str] = {}
        for e in entities:
            entity_id = slug(e.name)
            if ids.setdefault(entity_id, e.name) != e.name:
                raise ValueError(f"entities {ids[entity_id]!r} and {e.name!r} have the same id {entity_id!r}")
            gaz.entities[e.name] = {
                "id": entity_id,
                "name": e.name,
                "kind": e.kind,
                "country": e.country,
                "parent": e.parent,
                "initiative": e.initiative,
                "aliases": list(e.aliases),
                "aliases_ci": list(e.aliases_ci),
            }
            for surface in (e.name, *e.aliases, *e.aliases_ci):
                gaz.by_surface[normalize_surface(surface)] = e.name
        gaz.ignore = {normalize_surface(s) for s in ignore}
        return gaz

    def ancestors(self, name: str) -> list[str]:
        """The bodies `name` belongs to, nearest first, from the `parent` fields (a programme -> its agency ->
        its ministry); a cycle in the file stops at the first repeat."""
        chain: list[str] = []
        parent = self.entities.get(name, {}).get("parent")
        while parent and parent not in chain and parent != name:
            chain.append(parent)
            parent = self.entities.get(parent, {}).get("parent")
        return chain


def normalize_surface(text: str) -> str:
    return " ".join(text.replace("’", "'").split()).casefold()


def _apostrophe_variants(surface: str) -> set[str]:
    return {surface, surface.replace("'", "’"), surface.replace("’", "'")}


def ruler_label(kind: str) -> str:
    """The label a gazetteer match carries: one the models' NER already predicts (both have ORG and LOC).

    The ruler runs before the NER, and the NER adds a transition for every label it finds preset in a doc:
    our own kinds ("program", "agency"...) doubled its actions and made it a fifth slower for good. The kind
    comes from the gazetteer through the match's id, not from this label."""
    return "LOC" if kind == "place" else "ORG"


def ruler_patterns(gazetteer: Gazetteer) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The gazetteer as phrase patterns: those matched as written (names, aliases), and those matched in any
    case (`aliases_ci`), each list for a ruler of its own. A token pattern on LOWER would do for the second,
    but spaCy's Matcher walks every token of every document in Python: a second phrase matcher costs less.
    """
    exact: list[dict[str, Any]] = []
    any_case: list[dict[str, Any]] = []
    for name, e in gazetteer.entities.items():
        label = ruler_label(e["kind"])
        for surfaces, patterns in (({name, *e["aliases"]}, exact), (set(e["aliases_ci"]), any_case)):
            for surface in surfaces:
                for variant in _apostrophe_variants(surface):
                    patterns.append({"label": label, "pattern": variant, "id": name})
    return exact, any_case


def split_final_periods(nlp: Language, gazetteer: Gazetteer) -> None:
    """The tokenizers keep "18F." whole at the end of a sentence (as an abbreviation would be), so the
    name is missed and the sentence runs on: a special case splits the period off every such name."""
    for name, e in gazetteer.entities.items():
        for surface in {name, *e["aliases"]}:
            if " " in surface:
                continue
            if nlp.make_doc(surface + ".")[-1].text != ".":
                tokens = [{ORTH: t.text} for t in nlp.make_doc(surface)] + [{ORTH: "."}]
                nlp.tokenizer.add_special_case(surface + ".", tokens)


def load_model(lang: str, models: tuple[str, ...]) -> Language:
    """The first installed statistical model of `models` (the language file's list), with its NER only (also
    what the benchmark calls bare)."""
    for name in models:
        if importlib.util.find_spec(name) is not None:
            return spacy.load(name, exclude=NOT_NEEDED)
    tried = f" (tried {', '.join(models)})" if models else ""
    raise ModelMissing(f"no spaCy model for {lang!r} is installed{tried}; run `make install`")


def build_pipeline(
    lang: str, gazetteer: Gazetteer, models: tuple[str, ...], *, blank: bool = False, model_required: bool = True
) -> Language:
    """The pipeline for one language: the first installed model of `models` with the gazetteer's rulers, or
    (`blank=True`, for tests; or no model installed where none is required) `spacy.blank(lang)` with the
    rulers only: entities then come from the gazetteer and the rules, never from a statistical NER."""
    if blank:
        nlp = spacy.blank(lang)
    else:
        try:
            nlp = load_model(lang, models)
        except ModelMissing:
            if model_required:
                raise
            nlp = spacy.blank(lang)
    split_final_periods(nlp, gazetteer)
    nlp.add_pipe("sentence_boundaries", first=True)
    place = {"before": "ner"} if "ner" in nlp.pipe_names else {}
    exact, any_case = ruler_patterns(gazetteer)
    ruler = nlp.add_pipe("entity_ruler", **place, config={"overwrite_ents": True, "phrase_matcher_attr": "ORTH"})
    ruler.add_patterns(exact)
    # a name found as written keeps its place: the case-insensitive aliases only fill what is left
    ruler = nlp.add_pipe(
        "entity_ruler", name="entity_ruler_any_case", **place,
        config={"overwrite_ents": False, "phrase_matcher_attr": "LOWER"},
    )  # fmt: skip
    ruler.add_patterns(any_case)
    return nlp
