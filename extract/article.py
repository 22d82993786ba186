"""One entry point: raw documents in, article records (the extraction contract of DESIGN.md) out."""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from spacy.language import Language

from extract import EXTRACTOR_VERSION
from extract.duplicates import fingerprint
from extract.entities import entities_from_doc
from extract.events import event_detail, event_triggers
from extract.figures import clause_bounds, figures_from_sentence, headcount_measure, label
from extract.lang import detect_language
from extract.nlp import Gazetteer, build_pipeline, sentence_offsets
from extract.normalize import fold
from extract.records import CONTRACT_KEYS, FIGURE_FIELDS, Article, Event, Figure
from extract.relevance import actor_pattern, score_relevance
from extract.rules import LanguageRules
from extract.text import document_from_content

ENTITY_KEYS = ("name", "kind", "country", "id", "surface", "mentions")
SUBJECT_KINDS = ("program", "agency", "org")
# What a platform or plan the timeline does not follow can be the subject of (see _nearest_known)
OWN_FIGURES = ("count", "date")
DOLLARS = {"US": "USD", "CA": "CAD", "AU": "AUD", "SG": "SGD"}
# "the Australian agency's $70 million": a nationality word when no known entity names the country
DOLLAR_NATIONALITY = re.compile(r"\b(?:Canad|Austral|Singap)\w*", re.IGNORECASE)
DOLLAR_NATIONALITY_CODES = {"canad": "CA", "austr": "AU", "singa": "SG"}
# Documents per `nlp.pipe` batch; the benchmark's bare NER uses the same size so the two compare fairly.
BATCH_SIZE = 16


@dataclass
class Resources:
    """Everything extraction needs, built once per process: the gazetteer, the topic rules, each analysed
    language's rules (config/languages/) and its spaCy pipeline, loaded when first needed."""

    gazetteer: Gazetteer
    topics: dict[str, Any]
    rules: dict[str, LanguageRules]
    blank: bool = False
    pipelines: dict[str, Language] = field(default_factory=dict)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.rules)

    def pipeline(self, lang: str) -> Language:
        if lang not in self.pipelines:
            rules = self.rules[lang]
            self.pipelines[lang] = build_pipeline(
                lang, self.gazetteer, rules.models, blank=self.blank, model_required=rules.model_required
            )
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
    doc["lang"] = item.get("force_lang") or detect_language(doc["text"], item.get("lang")) or "und"
    doc["path"] = item.get("path")
    doc["url"] = item.get("url")
    return doc


class Mentions:
    """An article's entity mentions ordered by position, so that the subject rules, which ask for the closest
    entity of some kind within a clause, sentence or paragraph, look at the mentions in that range only."""

    def __init__(self, entities: list[dict[str, Any]]):
        # (start, end, entity's rank, span's rank): the rule's tie-break is the order of the entity list
        order = sorted((s, t, i, j) for i, e in enumerate(entities) for j, (s, t) in enumerate(e["spans"]))
        self.starts = [s for s, _, _, _ in order]
        self.mentions = [(s, t, (i, j), entities[i]) for s, t, i, j in order]

    def closest(
        self, start: int, end: int, lo: int, hi: int, accept: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any] | None:
        """The accepted entity with a mention in [lo, hi] closest to the span start..end (on a tie the first
        in the entity list, then its first such mention)."""
        best, best_key = None, None
        for k in range(bisect.bisect_left(self.starts, lo), len(self.starts)):
            s, t, rank, entity = self.mentions[k]
            if s > hi:
                break
            if t <= hi and accept(entity):
                key = (max(s - end, start - t, 0), rank)
                if best_key is None or key < best_key:
                    best, best_key = entity, key
        return best


def _nearest_known(
    start: int,
    end: int,
    known: Mentions,
    lo: int,
    hi: int,
    kinds: tuple[str, ...] = SUBJECT_KINDS,
    figure_kind: str | None = None,
) -> dict[str, Any] | None:
    """The gazetteer initiative named closest to a span within [lo, hi] (`known`: the mentions of the
    gazetteer's entities); programmes first, then agencies, orgs.
    A platform or plan the timeline does not follow (`initiative: false`: GOV.UK, France 2030) is the subject of
    its own counts and dates only: "GDS built GOV.UK with 200 staff" is about GDS, "GOV.UK serves 10 million
    users" and "FranceConnect, lancé en 2016" are about the service."""

    initiatives_first = (True, False) if figure_kind in OWN_FIGURES else (True,)
    for initiative in initiatives_first:  # "GDS was set up in 2011 and launched GOV.UK": GDS's date
        for kind in kinds:
            best = known.closest(
                start, end, lo, hi, lambda e, k=kind, i=initiative: e["kind"] == k and e["initiative"] is i
            )
            if best:
                return best
    return None


@dataclass(frozen=True)
class Subject:
    """Whom a figure or an event is about: a gazetteer initiative (its name and id), or nobody the timeline
    follows (another actor: a company, an organisation the gazetteer does not know, a national workforce)."""

    name: str | None = None
    initiative_id: str | None = None


NOBODY = Subject()


@dataclass
class SubjectContext:
    """What the subject rules know about one article: its entities, its main initiative and its actors."""

    entities: list[dict[str, Any]]
    gazetteer: Gazetteer
    main: dict[str, Any] | None
    actor_pattern: re.Pattern[str]
    text: str
    mentions: Mentions = field(init=False)
    known: Mentions = field(init=False)  # the gazetteer's, the only candidates of _nearest_known

    def __post_init__(self) -> None:
        self.mentions = Mentions(self.entities)
        self.known = Mentions([e for e in self.entities if e["known"]])

    @property
    def main_programme(self) -> dict[str, Any] | None:
        return self.main if self.main and self.main["kind"] == "program" else None

    def initiative(self, entity: dict[str, Any], sentence: tuple[int, int]) -> Subject:
        """A known entity as a subject. The body that runs the article's main programme (its `parent` in the
        gazetteer, or the parent's parent) speaks for it: "OPM wants 1,000 technologists" in a story about
        US Tech Force is about US Tech Force. Not when the sentence names the programme too: then it sets
        the two apart ("Tech4Germany takes 40 fellows, while DigitalService hires 50 staff")."""
        main = self.main_programme
        if (
            main
            and entity["name"] != main["name"]
            and entity["name"] in self.gazetteer.ancestors(main["name"])
            and not any(sentence[0] <= s and t <= sentence[1] for s, t in main["spans"])
        ):
            entity = main
        return Subject(entity["name"], entity["id"])

    def other_actor(self, start: int, end: int, lo: int, hi: int, kind: str) -> bool:
        """Whether [lo, hi] names someone else a figure may be about: a company (for people and money: a
        firm's layoffs or budget, not a count of partner companies), an organisation the gazetteer does not
        know, or a phrase naming a whole workforce or sector (topics.yaml `other_actors`)."""
        if kind in ("headcount", "salary", "budget", "event") and self.mentions.closest(
            start, end, lo, hi, lambda e: e["kind"] == "company"
        ):
            return True
        if self.mentions.closest(start, end, lo, hi, lambda e: e["kind"] == "org" and not e["known"]):
            return True
        return bool(self.actor_pattern.search(fold(self.text[lo:hi])))


def _paragraph(text: str, lo: int, hi: int) -> tuple[int, int]:
    """The paragraph (line) of the text holding [lo, hi]: trafilatura puts one paragraph per line."""
    start = text.rfind("\n", 0, lo) + 1
    end = text.find("\n", hi)
    return start, len(text) if end == -1 else end


def _subject(start: int, end: int, kind: str, context: SubjectContext, bounds: tuple[int, int, int, int]) -> Subject:
    """Whom a figure (or an event, kind "event") at start..end is about, from the closest context outwards:

    1. its clause: a programme named there, else an agency or organisation named there; another actor named
       there (a company, an unknown organisation, "the federal workforce") makes it nobody's: "300,000
       employees left the federal workforce, and 18F was closed" is not about 18F;
    2. a programme named in its sentence ("CDS hired 60 people, while GDS cut 100 jobs" gives one to each
       through their clauses), then in its paragraph;
    3. the article's main programme: in a story about a programme, "Recruits will serve two-year terms" is
       about it, and a body quoted in passing ("according to the Cabinet Office") does not take its figures;
    4. else an agency or organisation named in the sentence, then the paragraph, then the main initiative."""
    lo, hi, clause_lo, clause_hi = bounds
    entities, sentence = context.known, (lo, hi)
    known = _nearest_known(start, end, entities, clause_lo, clause_hi, figure_kind=kind)
    if known:
        return context.initiative(known, sentence)
    if context.other_actor(start, end, clause_lo, clause_hi, kind):
        return NOBODY
    para_lo, para_hi = _paragraph(context.text, lo, hi)
    for a, b in (sentence, (para_lo, para_hi)):
        programme = _nearest_known(start, end, entities, a, b, kinds=("program",), figure_kind=kind)
        if programme:
            return context.initiative(programme, sentence)
    if context.main_programme:
        return context.initiative(context.main_programme, sentence)
    for a, b in (sentence, (para_lo, para_hi)):
        known = _nearest_known(start, end, entities, a, b, figure_kind=kind)
        if known:
            return context.initiative(known, sentence)
    return Subject(context.main["name"], context.main["id"]) if context.main else NOBODY


def _dollar_currency(
    start: int, end: int, mentions: Mentions, lo: int, hi: int, home: str | None, sentence_text: str
) -> str:
    """A bare "$" is the dollar of the country named closest in the sentence, else of the article's main
    initiative: "$25.5 million" in a story about the Canadian Digital Service is Canadian."""
    closest = mentions.closest(start, end, lo, hi, lambda e: e.get("country") in DOLLARS and e.get("known"))
    best = closest["country"] if closest else None
    if best is None:
        nationality = DOLLAR_NATIONALITY.search(sentence_text)
        best = DOLLAR_NATIONALITY_CODES[fold(nationality.group())[:5]] if nationality else None
    return DOLLARS.get(best or home or "US", "USD")


def main_initiative(entities: list[dict[str, Any]]) -> dict[str, Any] | None:
    """What the article is about, decided once for store, Datasette and export alike: the known programme it
    names most (first named on a tie), else the agency, else the organisation."""
    for kind in SUBJECT_KINDS:
        known = [e for e in entities if e["kind"] == kind and e["known"] and e["initiative"]]
        if known:
            return max(known, key=lambda e: (e["mentions"], -e["spans"][0][0]))
    return None


# Event types whose date is a fact of its own even beside a figure ("launched in 2017 with $25.5 million",
# "40 staff were laid off in February 2025"): things that happen once. Hiring and budgets go on, and their
# year only says which cohort or which budget ("45 recrutés en 2020").
DATE_EVENTS = ("launch", "closure", "layoff", "resignation")
DAY_PRECISION = re.compile(r"^(?:\d{4}|-)-\d{2}-\d{2}$")
# A number that no date holds: "ils étaient 1500 en 2000" qualifies 2000 even though nothing says what 1500 count.
OTHER_NUMBER = re.compile(r"(?<![\w\x00])\d")


def _date_is_no_fact(
    date: dict[str, Any], figures: list[dict[str, Any]], text: str, lo: int, hi: int, rules: LanguageRules
) -> bool:
    """Whether a date found in the sentence text[lo:hi] is page furniture or only qualifies another figure.

    - a dateline: the line says little but the date ("Feb 03 2015"), or reads as a publication, update,
      byline or caption line;
    - a year or a month that qualifies a number ("192 en 2015", "as of March 2023", "220 agents d'ici 2024",
      "In 2016, 18F counted 200 employees"): a number in the date's clause, or in a sentence the date opens;
      unless a verb of happening dates it ("announced in November 2023") or the sentence reports a launch,
      closure, layoff or resignation ("In February 2025, 21 staffers quit"). The figure carries it (`as_of`)."""
    sentence = text[lo:hi]
    rest = sentence[: date["start"] - lo] + sentence[date["end"] - lo :]
    if len(re.findall(r"[^\W\d_]{2,}", rest)) <= 2 or rules.dates.dateline.match(sentence):
        return True
    if DAY_PRECISION.match(date["iso"] or ""):
        return False  # a day is an event's ("on January 20")
    before = text[max(lo, date["start"] - 40) : date["start"]]
    if not rules.dates.qualifying_before.search(before[-24:]) or rules.dates.happened_before.search(before):
        return False  # "since 2017", "depuis 2019", "announced in November 2023": a start, an event
    clause_lo, clause_hi = date["clause"]
    opens_sentence = len(re.findall(r"[^\W\d_]{2,}", text[lo : date["start"]])) <= 1  # "In 2016, ..."
    scope = (lo, hi) if opens_sentence else (clause_lo, clause_hi)
    numbers = _without_dates(text[scope[0] : scope[1]], scope[0], figures)
    if not OTHER_NUMBER.search(numbers) and not any(
        f["kind"] != "date" and f["start"] >= scope[0] and f["end"] <= scope[1] for f in figures
    ):
        return False
    return not any(kind in DATE_EVENTS for kind, _, _ in event_triggers(sentence, rules))


def _without_dates(sentence: str, lo: int, figures: list[dict[str, Any]]) -> str:
    """The sentence with its dates blanked out (\x00), so their digits are not taken for other numbers."""
    chars = list(sentence)
    for f in figures:
        if f["kind"] == "date":
            chars[f["start"] - lo : f["end"] - lo] = "\x00" * (f["end"] - f["start"])
    return "".join(chars)


def _complete_years(figures: list[dict[str, Any]]) -> None:
    """A day written without its year takes the year of the same day written in full elsewhere in the article:
    "jusqu'au 15 juin prochain" beside "ouvert jusqu'au 15 juin 2018" is 15 June 2018."""
    years: dict[str, set[str]] = {}
    for f in figures:
        iso = f["iso"] or ""
        if f["kind"] == "date" and DAY_PRECISION.match(iso) and not iso.startswith("-"):
            years.setdefault(iso[4:], set()).add(iso[:4])
    for f in figures:
        iso = f["iso"] or ""
        if f["kind"] == "date" and iso.startswith("--") and len(years.get(iso[1:], ())) == 1:
            f["iso"] = next(iter(years[iso[1:]])) + iso[1:]
            f["label"] = label(f)


def _stated_date(figure: dict[str, Any], dates: list[dict[str, Any]], clause: tuple[int, int]) -> str | None:
    """The date a figure's clause (else its sentence) states, the closest first: "45 fellows in 2022" is
    the 2022 cohort, a fact of its own beside the 2020 one."""
    lo, hi = clause
    near = [d for d in dates if d["start"] >= lo and d["end"] <= hi] or dates
    if not near:
        return None
    return min(near, key=lambda d: max(d["start"] - figure["end"], figure["start"] - d["end"], 0))["iso"]


def outlet_of(sitename: str | None, url: str | None) -> str | None:
    """Who published an article: its site's own name (og:site_name) when it gives one, else the registered
    domain of its address (the host for an IP address). Not the configured feed: one Google News feed carries
    many outlets, and two feeds of one site are one outlet."""
    if sitename and sitename.strip():
        return " ".join(sitename.split())
    if not url:
        return None
    from courlan import extract_domain  # offline: the public suffix list ships with the package

    return extract_domain(url) or (urlsplit(url).netloc.lower() or None)


def _figure_measure(figure: dict[str, Any], rules: LanguageRules) -> str | None:
    """The counted thing facts are keyed on: the measure of a headcount (None when the noun only says who the
    people are), otherwise what the figure counts."""
    if figure["kind"] == "headcount":
        return headcount_measure(figure.get("what"), rules)
    return figure.get("what")


def content_hash(text: str) -> str:
    """The same words in the same order, whatever their case, accents and spacing."""
    return hashlib.sha256(" ".join(fold(text).split()).encode("utf-8")).hexdigest()


def analyse(doc: dict[str, Any], spacy_doc: Any, resources: Resources) -> dict[str, Any]:
    """Entities, figures, events and relevance of one prepared document."""
    text, lang = doc["text"], doc["lang"]
    rules = resources.rules[lang]
    entities = entities_from_doc(spacy_doc, resources.gazetteer, text)
    main = main_initiative(entities)
    home = main.get("country") if main else None
    context = SubjectContext(entities, resources.gazetteer, main, actor_pattern(resources.topics, lang), text)
    published = doc.get("published")
    figures: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    seen_figures: set[tuple[str, str, str]] = set()
    seen_events: set[tuple[str, str]] = set()
    for lo, hi in sentence_offsets(spacy_doc, text):
        sentence, offset = text[lo:hi], lo
        if rules.furniture.match(sentence):
            continue  # "Lire aussi : Etalab fête ses dix ans" is another story's
        sentence_figures = []
        folded = fold(sentence)  # once: the key of its figures and events, and what event terms are read in
        for f in figures_from_sentence(sentence, rules):
            if f["kind"] == "date" and f.get("iso") == published:
                continue  # the byline's publication date is metadata, not a fact of the story
            key = (folded, f["text"], f["kind"])
            if key in seen_figures:
                continue  # the same figure in a repeated paragraph is reported once
            seen_figures.add(key)
            f["start"] += offset
            f["end"] += offset
            clause_lo, clause_hi = clause_bounds(sentence, f["start"] - offset, f["end"] - offset, rules)
            f["clause"] = (offset + clause_lo, offset + clause_hi)
            subject = _subject(f["start"], f["end"], f["kind"], context, (lo, hi, *f["clause"]))
            f["subject"], f["initiative_id"] = subject.name, subject.initiative_id
            if f.pop("unqualified_dollar", False) and f["kind"] in ("salary", "budget"):
                f["currency"] = f["unit"] = _dollar_currency(
                    f["start"], f["end"], context.mentions, lo, hi, home, sentence
                )
                f["label"] = label(f)
            f["sentence"] = sentence
            f["measure"] = _figure_measure(f, rules)
            f.setdefault("iso", None)
            sentence_figures.append(f)
        dated = [f for f in sentence_figures if f["kind"] == "date" and f.get("iso")]
        for f in sentence_figures:
            f["as_of"] = None if f["kind"] == "date" else _stated_date(f, dated, f["clause"])
        figures.extend(
            {k: f.get(k) for k in FIGURE_FIELDS}
            for f in sentence_figures
            if f["kind"] != "date" or not _date_is_no_fact(f, sentence_figures, text, lo, hi, rules)
        )
        named = _nearest_known(lo, lo, context.known, lo, hi)
        if not (named or sentence_figures):
            continue  # an event names its initiative or states a figure
        for event_type, start, end in event_triggers(sentence, rules, folded):
            start, end = offset + start, offset + end
            clause_lo, clause_hi = clause_bounds(sentence, start - lo, end - lo, rules)
            subject = _subject(start, end, "event", context, (lo, hi, lo + clause_lo, lo + clause_hi))
            key = (event_type, folded)
            if subject.name is None or key in seen_events:
                continue
            seen_events.add(key)
            events.append(
                {"type": event_type, "date": dated[0]["iso"] if dated else published,
                 "as_of": dated[0]["iso"] if dated else None, "subject": subject.name,
                 "initiative_id": subject.initiative_id, "detail": event_detail(sentence, start - lo, end - lo, rules),
                 "sentence": sentence}
            )  # fmt: skip
    _complete_years(figures)
    programme = next((e["name"] for e in entities if e["kind"] == "program" and e["known"] and e["initiative"]), None)
    body = next((e["name"] for e in entities if e["kind"] in ("agency", "org") and e["known"]), None)
    relevance, relevant, reasons = score_relevance(
        f"{doc.get('title') or ''}\n{text}", lang, resources.topics, programme, body
    )
    return Article(
        path=doc.get("path"),
        url=doc.get("url"),
        title=doc.get("title"),
        lang=lang,
        analysed=True,
        published=published,
        relevant=relevant,
        relevance=relevance,
        relevance_reasons=reasons,
        entities=[{k: e[k] for k in ENTITY_KEYS} for e in entities],
        figures=[Figure(**f) for f in figures],
        events=[Event(**e) for e in events],
        initiative=main["name"] if main else None,
        initiative_id=main["id"] if main else None,
        text=text,
        description=doc.get("description"),
        author=doc.get("author"),
        sitename=doc.get("sitename"),
        outlet=outlet_of(doc.get("sitename"), doc.get("url")),
        content_hash=content_hash(text),
        simhash=fingerprint(text),
        extractor_version=EXTRACTOR_VERSION,
    ).as_record()


def not_analysed(doc: dict[str, Any]) -> dict[str, Any]:
    """The record of a document in a language talentwatch has no rules for: its text, metadata and true
    language are kept (a copy elsewhere is still found), nothing is extracted, and it is not relevant (so
    the timeline, exports and alerts leave it out) for that reason."""
    text = doc["text"]
    return Article(
        path=doc.get("path"), url=doc.get("url"), title=doc.get("title"), lang=doc["lang"], analysed=False,
        published=doc.get("published"), relevant=False, relevance=0.0,
        relevance_reasons=[f"not analysed: no rules for language {doc['lang']!r}"], entities=[], figures=[],
        events=[], initiative=None, initiative_id=None, text=text, description=doc.get("description"),
        author=doc.get("author"), sitename=doc.get("sitename"), outlet=outlet_of(doc.get("sitename"), doc.get("url")),
        content_hash=content_hash(text), simhash=fingerprint(text), extractor_version=EXTRACTOR_VERSION,
    ).as_record()  # fmt: skip


def extract_documents(
    items: Iterable[dict[str, Any]], resources: Resources, batch_size: int = BATCH_SIZE
) -> list[dict[str, Any] | None]:
    """Records for raw items, in input order; None where an item has no extractable text.

    Each item: {"content": str|bytes, "url", "path", "lang" (hint), "force_lang", "feed_entry"}.
    Documents are grouped by language and run through `nlp.pipe` in batches.
    """
    prepared = [prepare(item) for item in items]
    results: list[dict[str, Any] | None] = [None] * len(prepared)
    for i, doc in enumerate(prepared):
        if doc is not None and doc["lang"] not in resources.languages:
            results[i] = not_analysed(doc)
    for lang in resources.languages:
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
