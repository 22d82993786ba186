"""What extraction produces, defined once: a figure, an event and the article record. `extract/` builds them;
the store's figure, event and article columns are these fields (tests/test_store.py checks they agree), and
`talentwatch extract` prints the contract part of the record (DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any


@dataclass
class Figure:
    """One figure a sentence states, typed and attributed."""

    kind: str  # headcount, count, salary, budget, duration, percent, date (extract.FIGURE_KINDS)
    value: float | None  # the value, or None for a range (min, max) or a date
    min: float | None
    max: float | None
    unit: str | None  # person, job offer... an ISO currency, a unit of time, percent
    currency: str | None
    period: str | None  # the rate's period: year, month, hour
    what: str | None  # what is counted ("hires (technologists)", "partner companies")
    measure: str | None  # what facts are keyed on (config/figures.yaml headcount_measures)
    approx: bool
    iso: str | None  # a date's ISO 8601 form ("2025-03", "--10-19")
    as_of: str | None  # the date its clause states ("45 fellows in 2022")
    subject: str | None  # the initiative it is about, None when about another actor
    initiative_id: str | None
    label: str  # "130,000–195,000 USD/year"
    text: str  # the words that state it
    start: int  # character offsets in the article's text
    end: int
    sentence: str


@dataclass
class Event:
    """Something that happened to an initiative (a launch, a hiring round, layoffs), from one sentence."""

    type: str  # hiring, launch, resignation, layoff, budget, partnership, closure (config/languages/)
    date: str | None
    as_of: str | None
    subject: str | None
    initiative_id: str | None
    detail: str
    sentence: str


# DESIGN.md's extraction contract: what `talentwatch extract` prints for each input
CONTRACT_KEYS = (
    "path", "url", "title", "lang", "analysed", "published", "relevant", "relevance", "relevance_reasons", "entities",
    "figures", "events",
)  # fmt: skip


@dataclass
class Article:
    """One article's record: the contract, plus the main initiative, the text and metadata the store keeps."""

    path: str | None
    url: str | None
    title: str | None
    lang: str  # the language it is written in (ISO 639-1), analysed or not
    analysed: bool  # False: a language talentwatch has no rules for; nothing was extracted
    published: str | None
    relevant: bool
    relevance: float
    relevance_reasons: list[str]
    entities: list[dict[str, Any]]  # name, kind, country, id, surface, mentions
    figures: list[Figure]
    events: list[Event]
    initiative: str | None
    initiative_id: str | None
    text: str
    description: str | None
    author: str | None
    sitename: str | None
    outlet: str | None
    content_hash: str
    simhash: str
    extractor_version: str

    def as_record(self) -> dict[str, Any]:
        """The record as plain data, figures and events included, for the store and the JSON output (a
        shallow copy per figure: `dataclasses.asdict` deep-copies everything, at a cost per figure)."""
        record = dict(vars(self))
        record["figures"] = [dict(vars(f)) for f in self.figures]
        record["events"] = [dict(vars(e)) for e in self.events]
        return record


def field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


FIGURE_FIELDS = field_names(Figure)
EVENT_FIELDS = field_names(Event)
