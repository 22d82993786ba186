"""One entry point: raw documents in, article records (the extraction contract of DESIGN.md) out."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language

from extract import EXTRACTOR_VERSION
from extract.duplicates import fingerprint
from extract.entities import entities_from_doc
from extract.events import events_from_sentence
from extract.figures import clause_bounds, figures_from_sentence, label
from extract.lang import SUPPORTED, detect_language
from extract.nlp import Gazetteer, build_pipeline, sentence_offsets
from extract.normalize import fold
from extract.relevance import score_relevance
from extract.text import document_from_content

CONTRACT_KEYS = ("path", "url", "title", "lang", "published", "relevant", "relevance", "entities", "figures", "events")
SUBJECT_KINDS = ("program", "agency", "org")
DOLLARS = {"US": "USD", "CA": "CAD", "AU": "AUD", "SG": "SGD"}
# "the Australian agency's $70 million": a nationality word when no known entity names the country
DOLLAR_NATIONALITY = re.compile(r"\b(?:Canad|Austral|Singap)\w*", re.IGNORECASE)
DOLLAR_NATIONALITY_CODES = {"canad": "CA", "austr": "AU", "singa": "SG"}
# Documents per `nlp.pipe` batch; the benchmark's bare NER uses the same size so the two compare fairly.
BATCH_SIZE = 16
FIGURE_KEYS = (
    "kind", "value", "min", "max", "unit", "currency", "period", "what", "approx", "iso",
    "subject", "text", "start", "end", "sentence", "label",
)  # fmt: skip


@dataclass
class Resources:
    """Everything extraction needs, built once per process: pipelines, gazetteer, topic rules."""

    gazetteer: Gazetteer
    topics: dict[str, Any]
    blank: bool = False
    pipelines: dict[str, Language] = field(default_factory=dict)

    def pipeline(self, lang: str) -> Language:
        if lang not in self.pipelines:
            self.pipelines[lang] = build_pipeline(lang, self.gazetteer, blank=self.blank)
        return self.pipelines[lang]


def _published(value: Any) -> str | None:
    if not value:
        return None
    m = re.match(r"(\d{4}-\d{2}-\d{2})", str(value))
    return m.group(1) if m else None


def prepare(item: dict[str, Any]) -> dict[str, Any] | None:
    """Text and metadata of one raw item; falls back to the feed entry when the page has no article."""
    feed = item.get("feed_entry") or {}
    doc = None
    if item.get("content"):
        doc = document_from_content(item["content"], item.get("url"))
    if doc is None and (feed.get("title") or feed.get("summary")):
        doc = {
            "title": feed.get("title"),
            "text": "\n".join(x for x in (feed.get("title"), feed.get("summary")) if x),
            "published": None,
            "author": None,
            "sitename": None,
            "description": feed.get("summary"),
        }
    if doc is None:
        return None
    doc["published"] = _published(doc.get("published")) or _published(feed.get("published"))
    if not doc.get("title") and feed.get("title"):
        doc["title"] = feed["title"]
    forced = item.get("force_lang")
    doc["lang"] = forced if forced in SUPPORTED else detect_language(doc["text"], item.get("lang"))
    doc["path"] = item.get("path")
    doc["url"] = item.get("url")
    return doc


def _closest_entity(
    start: int, end: int, entities: list[dict[str, Any]], lo: int, hi: int, accept: Callable[[dict[str, Any]], bool]
) -> dict[str, Any] | None:
    """The accepted entity with a mention in [lo, hi] closest to the span start..end."""
    best, best_distance = None, None
    for e in entities:
        if not accept(e):
            continue
        for s, t in e["spans"]:
            if s >= lo and t <= hi:
                distance = max(s - end, start - t, 0)
                if best_distance is None or distance < best_distance:
                    best, best_distance = e, distance
    return best


def _nearest_subject(
    start: int, end: int, entities: list[dict[str, Any]], lo: int, hi: int, kinds: tuple[str, ...] = SUBJECT_KINDS
) -> str | None:
    """The initiative named closest to a figure in its sentence; programmes first, then agencies, orgs."""
    for kind in kinds:
        best = _closest_entity(start, end, entities, lo, hi, lambda e, k=kind: e["kind"] == k and e.get("known"))
        if best:
            return best["name"]
    return None


def _figure_subject(
    start: int,
    end: int,
    entities: list[dict[str, Any]],
    bounds: tuple[int, int, int, int],
    main: str | None,
    main_is_program: bool,
) -> str | None:
    """A programme named in the figure's clause, then in its sentence; else the article's main programme,
    since in an article about a programme the agency that runs it ("OPM wants 1,000 technologists")
    speaks for the programme; else the agency or organisation named nearby.

    One exception: when the sentence names a programme in another clause and an agency in the figure's
    own ("CDS hired 60 people, while GDS cut 100 jobs"), the figure belongs to that agency."""
    lo, hi, clause_lo, clause_hi = bounds
    in_clause = _nearest_subject(start, end, entities, clause_lo, clause_hi, kinds=("program",))
    if in_clause:
        return in_clause
    named = _nearest_subject(start, end, entities, lo, hi, kinds=("program",))
    if named:
        return _nearest_subject(start, end, entities, clause_lo, clause_hi) or named
    if main_is_program:
        return main
    return _nearest_subject(start, end, entities, lo, hi) or main


def _dollar_currency(
    start: int, end: int, entities: list[dict[str, Any]], lo: int, hi: int, home: str | None, sentence_text: str
) -> str:
    """A bare "$" is the dollar of the country named closest in the sentence, else of the article's main
    initiative: "$25.5 million" in a story about the Canadian Digital Service is Canadian."""
    closest = _closest_entity(start, end, entities, lo, hi, lambda e: e.get("country") in DOLLARS and e.get("known"))
    best = closest["country"] if closest else None
    if best is None:
        nationality = DOLLAR_NATIONALITY.search(sentence_text)
        best = DOLLAR_NATIONALITY_CODES[fold(nationality.group())[:5]] if nationality else None
    return DOLLARS.get(best or home or "US", "USD")


def _main_initiative(entities: list[dict[str, Any]]) -> str | None:
    for kind in SUBJECT_KINDS:
        known = [e for e in entities if e["kind"] == kind and e.get("known")]
        if known:
            return max(known, key=lambda e: (e["mentions"], -e["spans"][0][0]))["name"]
    return None


def analyse(doc: dict[str, Any], spacy_doc: Any, resources: Resources) -> dict[str, Any]:
    """Entities, figures, events and relevance of one prepared document."""
    text, lang = doc["text"], doc["lang"]
    entities = entities_from_doc(spacy_doc, resources.gazetteer, text)
    for e in entities:
        e["known"] = e["name"] in resources.gazetteer.entities
    main = _main_initiative(entities)
    main_is_program = any(e["name"] == main and e["kind"] == "program" for e in entities)
    home = next((e.get("country") for e in entities if e["name"] == main), None)
    published = doc.get("published")
    default_year = int(published[:4]) if published else None
    figures: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    seen_figures: set[tuple[str, str, str]] = set()
    seen_events: set[tuple[str, str]] = set()
    for lo, hi in sentence_offsets(spacy_doc, text):
        sentence, offset = text[lo:hi], lo
        sentence_figures = []
        for f in figures_from_sentence(sentence, lang, default_year):
            if f["kind"] == "date" and f.get("iso") == published:
                continue  # the byline's publication date is metadata, not a fact of the story
            key = (fold(sentence), f["text"], f["kind"])
            if key in seen_figures:
                continue  # the same figure in a repeated paragraph is reported once
            seen_figures.add(key)
            f["start"] += offset
            f["end"] += offset
            clause_lo, clause_hi = clause_bounds(sentence, f["start"] - offset, f["end"] - offset)
            bounds = (lo, hi, offset + clause_lo, offset + clause_hi)
            f["subject"] = _figure_subject(f["start"], f["end"], entities, bounds, main, main_is_program)
            if f.pop("unqualified_dollar", False) and f["kind"] in ("salary", "budget"):
                f["currency"] = f["unit"] = _dollar_currency(f["start"], f["end"], entities, lo, hi, home, sentence)
                f["label"] = label(f)
            f["sentence"] = sentence
            f.setdefault("iso", None)
            sentence_figures.append({k: f.get(k) for k in FIGURE_KEYS})
        figures.extend(sentence_figures)
        named = _nearest_subject(lo, lo, entities, lo, hi)
        dates = [f["iso"] for f in sentence_figures if f["kind"] == "date" and f.get("iso")]
        for event in events_from_sentence(
            sentence, lang, resources.topics, subject=named or main, date=dates[0] if dates else published,
            has_figure=bool(sentence_figures), names_initiative=bool(named),
        ):  # fmt: skip
            key = (event["type"], fold(sentence))
            if key not in seen_events:
                seen_events.add(key)
                events.append(event)
    program_named = any(e["kind"] == "program" and e["known"] for e in entities)
    relevance, relevant = score_relevance(f"{doc.get('title') or ''}\n{text}", lang, resources.topics, program_named)
    content_hash = hashlib.sha256(" ".join(fold(text).split()).encode("utf-8")).hexdigest()
    return {
        "path": doc.get("path"),
        "url": doc.get("url"),
        "title": doc.get("title"),
        "lang": lang,
        "published": published,
        "relevant": relevant,
        "relevance": relevance,
        "entities": [{k: e[k] for k in ("name", "kind", "country", "surface", "mentions")} for e in entities],
        "figures": figures,
        "events": events,
        "text": text,
        "description": doc.get("description"),
        "author": doc.get("author"),
        "sitename": doc.get("sitename"),
        "content_hash": content_hash,
        "simhash": fingerprint(text),
        "extractor_version": EXTRACTOR_VERSION,
    }


def extract_documents(
    items: Iterable[dict[str, Any]], resources: Resources, batch_size: int = BATCH_SIZE
) -> list[dict[str, Any] | None]:
    """Records for raw items, in input order; None where an item has no extractable text.

    Each item: {"content": str|bytes, "url", "path", "lang" (hint), "force_lang", "feed_entry"}.
    Documents are grouped by language and run through `nlp.pipe` in batches.
    """
    prepared = [prepare(item) for item in items]
    results: list[dict[str, Any] | None] = [None] * len(prepared)
    for lang in SUPPORTED:
        indexes = [i for i, d in enumerate(prepared) if d is not None and d["lang"] == lang]
        if not indexes:
            continue
        nlp = resources.pipeline(lang)
        texts = (prepared[i]["text"] for i in indexes)
        for i, spacy_doc in zip(indexes, nlp.pipe(texts, batch_size=batch_size), strict=True):
            results[i] = analyse(prepared[i], spacy_doc, resources)
    return results


def to_contract(record: dict[str, Any]) -> dict[str, Any]:
    """The JSON object `talentwatch extract` prints for one input."""
    return {k: record.get(k) for k in CONTRACT_KEYS}
