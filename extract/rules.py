"""One language's figure, date and event rules, compiled once from its data (config/languages/<lang>.yaml and
config/figures.yaml, which config/ reads and validates): nouns, verbs, units, approximation words, months,
number words. Only what is the same in every language stays in code: digits, symbols, ISO codes.

Patterns over raw text match a term case-insensitively with or without its accents ("démission" and
"demission"); noun and event lookups work on folded text (extract/normalize.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from babel.numbers import get_decimal_symbol

from extract.normalize import fold
from extract.relevance import terms_pattern

# Each accented letter a term is written with also matches its bare form in raw text.
_ACCENTS = {
    "é": "[ée]", "è": "[èe]", "ê": "[êe]", "ë": "[ëe]", "à": "[àa]", "â": "[âa]", "î": "[îi]", "ï": "[ïi]",
    "ô": "[ôo]", "û": "[ûu]", "ù": "[ùu]", "ç": "[çc]", "ä": "[äa]", "ö": "[öo]", "ü": "[üu]", "ß": "(?:ß|ss)",
    "ñ": "[ñn]", "á": "[áa]", "í": "[íi]", "ó": "[óo]", "ú": "[úu]",
}  # fmt: skip
NEVER = r"(?!x)x"


def raw_term(term: str, *, whole_word: bool = True) -> str:
    """A term as a regex body over raw text: "*" for any ending, a space for any blank, either apostrophe,
    accents optional; a term ending in a letter or digit ends with its word (unless not `whole_word`: a part
    of a compound, "zwei" in "zweihundert")."""
    wildcard = term.endswith("*")
    stem = term.rstrip("*")
    body = []
    for ch in stem:
        if ch == " ":
            body.append(r"\s+")
        elif ch in "'’":
            body.append("['’]")
        elif ch.lower() in _ACCENTS:
            body.append(_ACCENTS[ch.lower()] if ch.islower() else _ACCENTS[ch.lower()].upper())
        else:
            body.append(re.escape(ch))
    end = r"\w*" if wildcard else (r"(?!\w)" if stem[-1:].isalnum() and whole_word else "")
    return "".join(body) + end


def raw_alternation(terms: list[str] | tuple[str, ...], *, whole_words: bool = True) -> str:
    """Terms as one alternation over raw text, the longest first (so "plus d'" is tried before "plus")."""
    ordered = sorted(terms, key=len, reverse=True)
    return "|".join(raw_term(t, whole_word=whole_words) for t in ordered) if ordered else NEVER


def _words_before_end(terms: list[str]) -> re.Pattern[str]:
    """Terms that end right before the end of the searched text (after blanks): "... près de |1 200"."""
    return re.compile(rf"(?<![\w'’])(?:{raw_alternation(terms)})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Noun:
    """What a number counts: its kind (headcount or count), unit and what it is."""

    kind: str
    unit: str
    what: str


@dataclass(frozen=True)
class DateRules:
    patterns: tuple[re.Pattern[str], ...]  # day-month-year, month-day, day-month, a month alone (last)
    months: dict[str, int]  # folded month name -> number
    year_before: re.Pattern[str]
    year_range_join: re.Pattern[str]  # "from 2014 to 2025": the second year of a span dates too
    day_range_start: re.Pattern[str]
    qualifying_before: re.Pattern[str]
    happened_before: re.Pattern[str]
    dateline: re.Pattern[str]


@dataclass(frozen=True)
class LanguageRules:
    """Everything the figure, date and event rules need for one language."""

    lang: str
    models: tuple[str, ...]
    model_required: bool  # else, with no model installed, the language runs on spacy.blank and the rules
    change_joins: frozenset[str]  # folded: "auf" makes "von 40 auf 60" a change with any verb
    percent_after: re.Pattern[str]
    decimal: str  # what the language writes before decimals, from Babel's locale data: "," (1 000,5) or "."
    nouns: tuple[tuple[str, Noun], ...]  # folded word start -> noun, the longest first
    fillers: frozenset[str]
    counted_before: re.Pattern[str]  # group "t": a staff-level or team noun before its number
    counted_before_what: dict[str, str]  # folded term -> what
    people_after: re.Pattern[str]
    people_verbs: dict[str, re.Pattern[str]]  # hires / resignations / layoffs -> pattern over folded text
    event_terms: dict[str, tuple[str, ...]]  # event type -> terms (the people verbs included)
    change_before: re.Pattern[str]
    pay: re.Pattern[str]
    approx_before: re.Pattern[str]
    approx_after: re.Pattern[str]
    approx_nouns: dict[str, float]  # folded noun -> value
    approx_nouns_pattern: re.Pattern[str]
    approx_noun_factor: re.Pattern[str]  # the number word before an approximate noun: "two dozen"
    durations: dict[str, str]  # folded unit word -> unit
    duration_after: re.Pattern[str]
    duration_word: re.Pattern[str]
    half_after: re.Pattern[str]
    not_duration_before: re.Pattern[str]
    number_words: re.Pattern[str]
    one: frozenset[str]  # folded
    one_or_more: re.Pattern[str]
    range_prefix: re.Pattern[str]
    between: frozenset[str]  # folded
    range_join: re.Pattern[str]
    needs_prefix: frozenset[str]  # folded "and" words
    alternative: frozenset[str]  # folded "or" words
    clause_break: re.Pattern[str]
    compared_before: re.Pattern[str]
    ellipsis_after: re.Pattern[str]  # "804 more", "10 de plus": the previous figure's noun is understood
    list_join: re.Pattern[str]  # "195 et 198": a list of numbers goes on
    part_of: re.Pattern[str]  # "50 of the 150 employees": what stands between a part and its whole
    furniture: re.Pattern[str]  # a line of page furniture ("Lire aussi : ...")
    scale_after: re.Pattern[str]
    scales: dict[str, float]  # folded word or symbol -> factor
    currency_after: re.Pattern[str]
    currencies: dict[str, str]  # folded word -> ISO code
    period_after: re.Pattern[str]
    rate_after: re.Pattern[str]
    annual: re.Pattern[str]
    reference_before: re.Pattern[str]
    dates: DateRules
    # config/figures.yaml
    headcount_measures: dict[str, str]  # what -> measure
    hires_of: frozenset[str]
    salary_ceiling: dict[str, float]

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(self.event_terms)

    def noun_at(self, folded_words: str) -> Noun | None:
        """The noun the folded words start with ("d'" dropped), if any."""
        rest = folded_words[2:] if folded_words.startswith("d'") else folded_words
        for prefix, noun in self.nouns:
            if rest.startswith(prefix):
                return noun
        return None


PEOPLE_VERBS = {"hiring": "hires", "resignation": "resignations", "layoff": "layoffs"}
# Event types in the order a sentence's events are reported; types only a language file adds come after.
EVENT_ORDER = ("hiring", "launch", "resignation", "layoff", "budget", "partnership", "closure")
# Scale symbols written the same in every language: "130k", "$1.2bn", "23 M€", "10 Md€"
SCALE_SYMBOLS = {"k": 1e3, "m": 1e6, "mn": 1e6, "md": 1e9, "mds": 1e9, "bn": 1e9}
CURRENCY_SYMBOLS = r"US\$|\$|€|£|USD|EUR|GBP|CAD|AUD|INR|CHF|SGD"


def _month_alternation(names: list[str]) -> str:
    """Month names as written in the file: a lowercase name matches in any case ("Mars", "mars"); a
    capitalised one only with its capital ("May", not the verb "may")."""
    lower = [n for n in names if n[:1].islower()]
    upper = [n for n in names if not n[:1].islower()]
    parts = []
    if lower:
        parts.append(f"(?i:{raw_alternation(lower)})")
    if upper:
        parts.append(raw_alternation(upper))
    return "|".join(parts) or NEVER


def _full_months(names: list[str]) -> list[str]:
    """The names that are no short form of another ("Jan" of "January", "juil" of "juillet")."""
    folded = [fold(n) for n in names]
    return [n for n, f in zip(names, folded, strict=True) if not any(o != f and o.startswith(f) for o in folded)]


def _date_rules(data: dict[str, Any], joins: dict[str, list[str]]) -> DateRules:
    words = data["dates"]
    month = _month_alternation(list(data["months"]))
    full = _month_alternation(_full_months(list(data["months"])))
    suffixes = "".join(f"|{re.escape(s)}" for s in words["day_suffixes"])
    day = rf"(?P<d>1er|[0-3]?\d)(?:st|nd|rd|th{suffixes})?"
    year = r"(?P<y>(?:19|20)\d{2})"
    link = rf"(?:(?i:{raw_alternation(words['month_links'])})\s+)?"  # "de" in "15 de marzo de 2024"
    alone_before = rf"(?P<pre>(?<![\w'’])(?i:{raw_alternation(words['month_before'])}))"
    patterns = (
        re.compile(r"\b(?P<y>(?:19|20)\d{2})-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b"),
        # 15 mars 2025 / 15 March 2025 / mars 2025 / March 2025 / 3. März 2025 / 15 de marzo de 2024
        re.compile(rf"\b(?:{day}\s+{link})?(?P<mon>{month})\.?\s+{link}{year}\b"),
        # March 3, 2025 / March 3 (year taken from context)
        re.compile(rf"\b(?P<mon>{month})\.?\s+{day}\b(?:,?\s+{year}\b)?"),
        # 7 mars (year taken from context: "du 7 mars au 3 avril 2022")
        re.compile(rf"\b{day}\s+{link}(?P<mon>{month})\b"),
        # a month alone after a preposition: "in August", "début avril" (full names only)
        re.compile(rf"{alone_before}\s+(?P<mon>{full})\b"),
    )
    range_words = raw_alternation([*joins["to"], *joins["and"]])
    return DateRules(
        patterns=patterns,
        months={fold(name): n for name, n in data["months"].items()},
        year_before=_words_before_end(words["year_before"]),
        year_range_join=re.compile(rf"\s*(?:(?i:{range_words})|–|-)\s*"),
        day_range_start=re.compile(rf"(?<![\d,.])(?P<d>[0-3]?\d|1er)(?:st|nd|rd|th)?\s*(?:(?i:{range_words})|–|-)\s*$"),
        qualifying_before=re.compile(
            rf"(?:(?<![\w'’])(?:{raw_alternation(words['qualifying_before'])})\s+|^\W*|[(,]\s*)$", re.IGNORECASE
        ),
        happened_before=re.compile(
            rf"(?<!\w)(?:{raw_alternation(words['happened_before'])})\s+(?:\S+\s+){{0,3}}$", re.IGNORECASE
        ),
        dateline=re.compile(rf"^\W*(?:{raw_alternation(words['dateline'])})", re.IGNORECASE),
    )


def compile_rules(lang: str, data: dict[str, Any], figures: dict[str, Any]) -> LanguageRules:
    """The compiled rules of one language from its validated data and the shared figure rules."""
    nouns = [(fold(prefix), Noun("headcount", "person", what)) for prefix, what in data["nouns"]["people"].items()]
    nouns += [(fold(prefix), Noun("count", unit, what)) for prefix, (unit, what) in data["nouns"]["things"].items()]
    nouns.sort(key=lambda item: len(item[0]), reverse=True)
    events = {**data["verbs"], **data["events"]}
    event_terms = {t: tuple(events[t]) for t in EVENT_ORDER if t in events}
    event_terms.update({t: tuple(terms) for t, terms in events.items() if t not in event_terms})
    joins = data["joins"]
    numbers = raw_alternation(data["number_words"])
    # the words of one number: apart ("twenty-two", "vingt et un"), or also glued ("zweihundertfünfzig")
    compound = data["compound_numbers"]
    gap = r"[\s-]*" if compound else r"[\s-]+"
    number_parts = raw_alternation(data["number_words"], whole_words=not compound)
    periods = data["periods"]
    gross = raw_alternation(data["gross"])
    period_groups = "|".join(f"(?P<{p}>{raw_alternation(periods[p])})" for p in ("year", "month", "hour"))
    scale_words = raw_alternation(list(data["scales"]))
    return LanguageRules(
        lang=lang,
        models=tuple(data["models"]),
        model_required=data["model_required"],
        decimal=get_decimal_symbol(lang),
        change_joins=frozenset(fold(w) for w in data["change_joins"]),
        percent_after=re.compile(rf"^\s?(?:%|{raw_alternation(data['percent'])})", re.IGNORECASE),
        nouns=tuple(nouns),
        fillers=frozenset(fold(w) for w in data["fillers"]),
        counted_before=re.compile(rf"(?<!\w)(?P<t>{raw_alternation(list(data['counted_before']))})", re.IGNORECASE),
        counted_before_what={fold(k): v for k, v in data["counted_before"].items()},
        people_after=re.compile(rf"^[\s–—-]*(?:{raw_alternation(data['people_after'])})", re.IGNORECASE),
        people_verbs={PEOPLE_VERBS[k]: terms_pattern(tuple(v)) for k, v in data["verbs"].items()},
        event_terms=event_terms,
        change_before=re.compile(rf"(?<!\w)(?:{raw_alternation(data['change'])})[^.;:!?]{{0,30}}$", re.IGNORECASE),
        pay=re.compile(rf"(?<!\w)(?:{raw_alternation(data['pay'])})", re.IGNORECASE),
        approx_before=re.compile(rf"(?:(?<![\w'’])(?:{raw_alternation(data['approximately'])})|~)\s*$", re.IGNORECASE),
        approx_after=re.compile(rf"^\s+(?:{raw_alternation(data['approximately_after'])})", re.IGNORECASE),
        approx_nouns={fold(k): v for k, v in data["approximate_nouns"].items()},
        approx_nouns_pattern=re.compile(
            rf"(?<!\w)(?P<n>{raw_alternation(list(data['approximate_nouns']))})", re.IGNORECASE
        ),
        approx_noun_factor=re.compile(rf"(?<![\w-])(?P<k>{numbers})\s+$", re.IGNORECASE),
        durations={fold(word): unit for word, unit in data["durations"].items()},
        duration_after=re.compile(
            rf"^(?:\s+|-)(?P<u>{raw_alternation(list(data['durations']))})(?P<tail>-old|-long| old| ago)?",
            re.IGNORECASE,
        ),
        duration_word=re.compile(
            rf"(?<![\w-])(?P<n>{raw_alternation([w for w in data['one'] if w in data['number_words']])})(?:\s+|-)(?P<u>{raw_alternation(list(data['durations']))})"
            rf"(?P<half>\s+{raw_term(data['half'])})?",
            re.IGNORECASE,
        ),
        half_after=re.compile(rf"^\s+{raw_term(data['half'])}", re.IGNORECASE),
        not_duration_before=_words_before_end(data["age_before"]),
        number_words=re.compile(
            rf"(?<![\w-])(?:{number_parts})(?:{gap}(?:(?:{raw_alternation(joins['and'], whole_words=not compound)}){gap})?"
            rf"(?:{number_parts}))*(?!\w)",
            re.IGNORECASE,
        ),
        one=frozenset(fold(w) for w in data["one"]),
        one_or_more=re.compile(rf"-?\s+(?:{raw_alternation(joins['or'])})\s+(?:{numbers}|\d)(?!\w)", re.IGNORECASE),
        range_prefix=re.compile(
            rf"(?<![\w'’])(?P<p>{raw_alternation([*joins['between'], *joins['from']])})\s*$", re.IGNORECASE
        ),
        between=frozenset(fold(w) for w in joins["between"]),
        range_join=re.compile(
            # "two- to four-year": a hyphen may hang on the first number
            rf"^-?\s*(?:–|—|-|{raw_alternation([*joins['to'], *joins['and'], *joins['or']])})\s*$",
            re.IGNORECASE,
        ),
        needs_prefix=frozenset(fold(w) for w in joins["and"]),
        alternative=frozenset(fold(w) for w in joins["or"]),
        compared_before=_words_before_end(data["compared"]),
        ellipsis_after=re.compile(rf"^\s+(?:{raw_alternation(data['ellipsis'])})", re.IGNORECASE),
        part_of=re.compile(rf"\s+(?:{raw_alternation(data['part_of'])})\s+", re.IGNORECASE),
        list_join=re.compile(rf"^\s+(?:{raw_alternation(joins['and'])})\s", re.IGNORECASE),
        furniture=re.compile(rf"^\W*(?:{raw_alternation(data['furniture'])})", re.IGNORECASE),
        clause_break=re.compile(
            rf"(?<!\d),|,(?!\d)|[;:()]|(?<!\w)(?:{raw_alternation(data['clause_breaks'])})", re.IGNORECASE
        ),
        scale_after=re.compile(
            r"(?:\s?(?P<short>[kK]|M|m|Mds?|bn|mn)(?=[\s€$£.,;:)\-–—]|$)"
            rf"|\s+(?P<word>{scale_words}))"
        ),
        scales={**SCALE_SYMBOLS, **{fold(k): v for k, v in data["scales"].items()}},
        currency_after=re.compile(
            rf"^\s?(?:d[e']\s?|d’)?(?P<c>{raw_alternation(list(data['currencies']))}|{CURRENCY_SYMBOLS})(?!\w)",
            re.IGNORECASE,
        ),
        currencies={fold(k): v for k, v in data["currencies"].items()},
        period_after=re.compile(rf"^\s*(?:(?:{gross})\s+)?(?:{period_groups})", re.IGNORECASE),
        rate_after=re.compile(
            rf"^[^.;:!?]*?(?<!\w)(?:(?P<month>{raw_alternation(periods['month'])})|(?P<year>{raw_alternation(periods['year'])}))",
            re.IGNORECASE,
        ),
        annual=re.compile(
            rf"(?<!\w)(?:(?P<year>{raw_alternation(periods['year'])})|{raw_alternation(periods['month'])})",
            re.IGNORECASE,
        ),
        reference_before=re.compile(rf"(?<!\w)(?:{raw_alternation(data['references'])})\s*$", re.IGNORECASE),
        dates=_date_rules(data, joins),
        headcount_measures={w: measure for measure, whats in figures["headcount_measures"].items() for w in whats},
        hires_of=frozenset(figures["hires_of"]),
        salary_ceiling=figures["salary_ceiling"],
    )


def compile_all(languages: dict[str, dict[str, Any]], figures: dict[str, Any]) -> dict[str, LanguageRules]:
    """Every analysed language's compiled rules, by language code."""
    return {lang: compile_rules(lang, data, figures) for lang, data in languages.items()}
