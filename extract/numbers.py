"""The number layer: amounts, ranges, approximations, currencies and periods in French and English.

Written by hand because no maintained library reads French figures well (quantulum3 is English-only,
price-parser ignores scale words, number-parser has no French). Number words are converted by text2num,
always on an isolated span, never over the whole text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from text_to_num import text2num

SPACES = " \u00a0\u202f\u2009"  # French thousands are grouped with (narrow) no-break spaces too
_SP = f"[{SPACES}]"

# Digits: "1 000", "130 000", "1,5" (fr) / "1,000", "1.5" (en). The language decides what a comma means.
_NUM_FR = rf"\d{{1,3}}(?:{_SP}\d{{3}})+(?:,\d+)?|\d+(?:[.,]\d+)?"
_NUM_EN = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# A number glued to letters is a code ("COVID-19", "F35", "6ème"), unless the letters are a scale ("130k").
_GLUED = r"(?!(?:[kK]|M|m|Mds?|bn|mn)(?![A-Za-z]))[\w\x00]|[.,]\d"
NUMBER_RE = {
    "fr": re.compile(rf"(?<![\w.,\-/\x00])(?:{_NUM_FR})(?!{_GLUED})"),
    "en": re.compile(rf"(?<![\w.,\-/\x00])(?:{_NUM_EN})(?!{_GLUED})"),
}
# Attached or spaced scale: "1,2 million", "$1.2bn", "130k", "23 M€", "10 Md€"
SCALES = {
    "k": 1e3, "mille": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "millions": 1e6, "mn": 1e6,
    "md": 1e9, "mds": 1e9, "milliard": 1e9, "milliards": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9,
    "trillion": 1e12, "lakh": 1e5, "lakhs": 1e5, "crore": 1e7, "crores": 1e7,
}  # fmt: skip
SCALE_RE = re.compile(
    r"(?:\s?(?P<short>[kK]|M|m|Mds?|bn|mn)(?=[\s€$£.,;:)\-–—]|$)|\s+(?P<word>mille|thousand|millions?|milliards?|billions?|trillion|lakhs?|crores?)\b)"
)

EN_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand"
).split()
FR_NUMBER_WORDS = (
    "zéro un une deux trois quatre cinq six sept huit neuf dix onze douze treize quatorze quinze seize "
    "vingt vingts trente quarante cinquante soixante cent cents mille"
).split()
_WORD_JOIN = {"en": r"(?:[\s-]+(?:and\s+)?)", "fr": r"(?:[\s-]+(?:et[\s-]+)?)"}
NUMBER_WORDS_RE = {
    lang: re.compile(
        rf"(?<![\w-])(?:{'|'.join(words)})(?:{_WORD_JOIN[lang]}(?:{'|'.join(words)}))*(?![\w])",
        re.IGNORECASE,
    )
    for lang, words in (("en", EN_NUMBER_WORDS), ("fr", FR_NUMBER_WORDS))
}
# "une vingtaine", "un millier", "two dozen": approximate by nature
APPROX_NOUNS = {
    "fr": re.compile(
        r"\b(?:une|un)\s+(?P<n>dizaine|douzaine|quinzaine|vingtaine|trentaine|quarantaine|cinquantaine|"
        r"soixantaine|centaine|millier)\b",
        re.IGNORECASE,
    ),
    "en": re.compile(r"\b(?P<k>a|one|two|three|four|five|six)\s+(?P<n>dozen)\b", re.IGNORECASE),
}
APPROX_NOUN_VALUES = {
    "dizaine": 10, "douzaine": 12, "quinzaine": 15, "vingtaine": 20, "trentaine": 30, "quarantaine": 40,
    "cinquantaine": 50, "soixantaine": 60, "centaine": 100, "millier": 1000, "dozen": 12,
}  # fmt: skip
DOZEN_FACTORS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}

APPROX_BEFORE = re.compile(
    r"(?:\b(?:about|around|roughly|approximately|nearly|almost|some|more\s+than|over|up\s+to|at\s+least|"
    r"fewer\s+than|less\s+than|under|close\s+to|an\s+estimated|upwards\s+of|environ|près\s+d[e']|"
    r"plus\s+d[e']|quelque|presque|jusqu'à|jusqu’à|au\s+moins|moins\s+d[e']|autour\s+d[e']|"
    r"pas\s+moins\s+d[e']|quasiment|approximativement)|~)\s*$",
    re.IGNORECASE,
)
APPROX_AFTER = re.compile(r"^\s+environ\b", re.IGNORECASE)

CURRENCY_BEFORE = re.compile(r"(?P<c>US\$|USD|C\$|CA\$|CAD|A\$|AUD|S\$|SGD|\$|€|EUR|£|GBP|Rs\.?|₹|INR|CHF)\s?$")
CURRENCY_AFTER = re.compile(
    r"^\s?(?:d[e']\s?|d’)?(?P<c>dollars?\s+canadiens|dollars?\s+australiens|dollars?\s+de\s+Singapour|"
    r"dollars?|euros?|livres(?:\s+sterling)?|pounds?(?:\s+sterling)?|francs\s+suisses|roupies|rupees|US\$|\$|€|£|"
    r"USD|EUR|GBP|CAD|AUD|INR|CHF)(?![\w])",
    re.IGNORECASE,
)
CURRENCY_CODES = {
    "us$": "USD", "usd": "USD", "$": "USD", "dollar": "USD", "dollars": "USD", "c$": "CAD", "ca$": "CAD",
    "cad": "CAD", "a$": "AUD", "aud": "AUD", "s$": "SGD", "sgd": "SGD", "€": "EUR", "eur": "EUR",
    "euro": "EUR", "euros": "EUR", "£": "GBP", "gbp": "GBP", "livres": "GBP", "livres sterling": "GBP",
    "pound": "GBP", "pounds": "GBP", "pound sterling": "GBP", "pounds sterling": "GBP",
    "rs": "INR", "rs.": "INR", "₹": "INR", "inr": "INR", "rupees": "INR", "roupies": "INR",
    "chf": "CHF", "francs suisses": "CHF",
}  # fmt: skip

UNQUALIFIED_DOLLARS = {"$", "dollar", "dollars"}

PERIOD_AFTER = re.compile(
    r"^\s*(?:(?:bruts?|nets?|gross|before\s+tax|avant\s+impôts?)\s+)?(?:(?P<year>par\s+an|par\s+année|per\s+year|a\s+year|per\s+annum|annually|annuels?|/\s?an\b|/\s?year)|"
    r"(?P<month>par\s+mois|per\s+month|a\s+month|monthly|mensuels?|chaque\s+mois|each\s+month|/\s?mois)|"
    r"(?P<hour>per\s+hour|an\s+hour|de\s+l'heure|/\s?h\b))",
    re.IGNORECASE,
)
PERCENT_AFTER = re.compile(r"^\s?(?:%|pour\s?cent|percent|per\s+cent)", re.IGNORECASE)

RANGE_PREFIX = re.compile(r"\b(?P<p>entre|between|from|de|d'|d’)\s*$", re.IGNORECASE)
# A verb of change before "from X to Y" / "de X à Y" makes two figures, the earlier and the later value, not a
# range: "est passé de 4 à 6 millions", "dropping from 640 to 590", "passer de 90 à 130 agents".
CHANGE_BEFORE = re.compile(
    r"\b(?:pass\w*|augment\w*|baiss\w*|diminu\w*|progress\w*|grimp\w*|chut\w*|recul\w*|bondi\w*|"
    r"évolu\w*|evolu\w*|croît|croiss\w*|réduit\w*|multipli\w*|doubl\w*|port[ée]\w*|"
    r"r[io]s(?:e|en|es|ing)|gr[eo]w(?:n|s|ing)?|increas\w*|decreas\w*|declin\w*|f[ae]ll(?:en|s|ing)?|"
    r"drop\w*|jump\w*|climb\w*|shr[aiu]nk\w*|expand\w*|swell\w*|went|gone|go(?:es|ing)?|up|down)\b"
    r"[^.;:!?]{0,30}$",
    re.IGNORECASE,
)
RANGE_JOIN = re.compile(r"^\s*(?:–|—|-|to|à|au|and|et|or|ou)\s*$", re.IGNORECASE)
NEEDS_PREFIX = {"and", "et"}


@dataclass(frozen=True)
class Quantity:
    """One amount or range found in a text; offsets cover the whole expression ("entre … dollars par an")."""

    start: int
    end: int
    value: float | None
    min: float | None = None
    max: float | None = None
    approx: bool = False
    currency: str | None = None
    percent: bool = False
    period: str | None = None
    words: bool = False  # written in words ("cinquante", "two")
    # A bare "$" or "dollars": US dollars unless the context says Canada, Australia or Singapore
    unqualified_dollar: bool = False
    scale: float = 1.0  # the scale word applied ("million"), shared with the low end of a range
    change_to: bool = False  # the earlier value of a change ("de 4 à 6 millions"): the next one says what it is
    num_start: int = 0  # where the digits/words themselves start and end, for context rules
    num_end: int = 0


def parse_number(token: str, lang: str) -> float | None:
    """ "1 000" -> 1000, "1,5" (fr) -> 1.5, "1,000" (en) -> 1000, "1.5" -> 1.5."""
    t = token
    for sp in SPACES:
        t = t.replace(sp, "")
    if lang == "fr":
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+", t) and t.count(",") > 1:
            t = t.replace(",", "")  # "1,000,000" in a French text is still a thousands grouping
        elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+", t):
            t = t.replace(".", "")  # "3.500 euros": a dot groups thousands in French (Belgium, Switzerland...)
        else:
            t = t.replace(",", ".")
    else:
        t = t.replace(",", "")
    try:
        return float(t)
    except ValueError:
        return None


def words_to_number(span: str, lang: str) -> float | None:
    try:
        return float(text2num(span.lower().replace("-", " ") if lang == "en" else span.lower(), lang))
    except ValueError:
        return None


# "un ou deux designers", "one or two stints": here "un" and "one" count (a range from one)
ONE_OR_MORE = re.compile(r"\s+(?:ou|or)\s+(?:deux|trois|quatre|two|three|four|2|3|4)\b", re.IGNORECASE)


def _raw_amounts(text: str, lang: str) -> list[Quantity]:
    found: list[Quantity] = []
    for m in NUMBER_RE[lang].finditer(text):
        value = parse_number(m.group(), lang)
        if value is not None:
            found.append(Quantity(m.start(), m.end(), value, num_start=m.start(), num_end=m.end()))
    for m in NUMBER_WORDS_RE[lang].finditer(text):
        span = m.group()
        if span.lower() in ("un", "une", "one", "a") and not ONE_OR_MORE.match(text, m.end()):
            continue  # articles, not counts ("une équipe"); durations handle "un an" themselves
        value = words_to_number(span, lang)
        if value is not None:
            found.append(Quantity(m.start(), m.end(), value, words=True, num_start=m.start(), num_end=m.end()))
    for m in APPROX_NOUNS[lang].finditer(text):
        value = APPROX_NOUN_VALUES[m.group("n").lower()]
        if m.groupdict().get("k"):
            value *= DOZEN_FACTORS[m.group("k").lower()]
        found = [q for q in found if q.end <= m.start() or q.start >= m.end()]
        found.append(
            Quantity(m.start(), m.end(), float(value), approx=True, words=True, num_start=m.start(), num_end=m.end())
        )
    found.sort(key=lambda q: q.start)
    return found


def _decorate(text: str, q: Quantity) -> Quantity:
    """Extend a bare amount with its scale, currency, approximation and period."""
    start, end, value = q.start, q.end, q.value
    scale = SCALE_RE.match(text, end)
    if scale and (scale.group("short") or scale.group("word")):
        word = (scale.group("short") or scale.group("word")).lower()
        if not (
            word == "m"
            and not CURRENCY_BEFORE.search(text[max(0, start - 4) : start])
            and not CURRENCY_AFTER.match(text[scale.end() :])
        ):
            factor = SCALES[word]
            value, end = value * factor, scale.end()
            q = replace(q, scale=factor)
    currency, raw_currency = None, None
    before = CURRENCY_BEFORE.search(text[max(0, start - 4) : start])
    if before:
        raw_currency = before.group("c").lower()
        currency = CURRENCY_CODES.get(raw_currency)
        start = start - (len(before.group()))
    after = CURRENCY_AFTER.match(text[end : end + 40])
    if after:
        if currency is None:
            raw_currency = _currency_key(after.group("c"))
            currency = CURRENCY_CODES.get(raw_currency)
        end += after.end()
    approx = q.approx
    pre = APPROX_BEFORE.search(text[max(0, start - 30) : start])
    if pre:
        approx = True
        start -= len(pre.group())
    post = APPROX_AFTER.match(text[end : end + 12])
    if post:
        approx = True
        end += post.end()
    percent = PERCENT_AFTER.match(text[end : end + 12])
    if percent:
        end += percent.end()
    return replace(
        q, start=start, end=end, value=value, currency=currency, approx=approx, percent=bool(percent),
        unqualified_dollar=raw_currency in UNQUALIFIED_DOLLARS,
    )  # fmt: skip


def _currency_key(raw: str) -> str:
    key = raw.lower()
    if "canadien" in key:
        return "cad"
    if "australien" in key:
        return "aud"
    if "singapour" in key:
        return "sgd"
    return re.sub(r"\s+", " ", key)


def _period(text: str, q: Quantity) -> Quantity:
    m = PERIOD_AFTER.match(text[q.end : q.end + 24])
    if not m:
        return q
    period = next(k for k in ("year", "month", "hour") if m.group(k))
    return replace(q, end=q.end + m.end(), period=period)


def _ranges(text: str, items: list[Quantity]) -> list[Quantity]:
    out: list[Quantity] = []
    i = 0
    while i < len(items):
        a = items[i]
        if i + 1 < len(items):
            b = items[i + 1]
            join = RANGE_JOIN.match(text[a.end : b.start])
            prefix = RANGE_PREFIX.search(text[max(0, a.start - 10) : a.start])
            needs_prefix = join and join.group().strip().lower() in NEEDS_PREFIX
            if join and (prefix or not needs_prefix) and a.percent == b.percent:
                low, high = a.value, b.value
                if low is not None and high is not None and a.scale == 1 and b.scale > 1 and low < high / b.scale * 10:
                    low *= b.scale  # "between 1.5 and 2 million": the scale belongs to both ends
                before = text[max(0, a.start - (len(prefix.group()) if prefix else 0) - 40) : a.start]
                alternative = join.group().strip().lower() in ("or", "ou") and (a.currency or b.currency)
                change = (
                    prefix and prefix.group("p").lower() not in ("entre", "between") and CHANGE_BEFORE.search(before)
                )
                if alternative or change:
                    # a change, or two amounts offered ("3 000 ou 3 500 euros"): two figures, the earlier with
                    # the scale and currency of the later
                    out.append(replace(a, value=low, currency=a.currency or b.currency, change_to=True))
                    out.append(b)
                    i += 2
                    continue
                if low is not None and high is not None and low < high:
                    start = a.start - (len(prefix.group()) if prefix else 0)
                    out.append(
                        Quantity(
                            start, b.end, None, low, high, approx=a.approx or b.approx,
                            currency=a.currency or b.currency, percent=a.percent, period=b.period or a.period,
                            words=a.words and b.words, num_start=a.num_start, num_end=b.num_end,
                            unqualified_dollar=(a.unqualified_dollar if a.currency else b.unqualified_dollar),
                        )
                    )  # fmt: skip
                    i += 2
                    continue
        out.append(a)
        i += 1
    return out


def find_quantities(text: str, lang: str) -> list[Quantity]:
    """Every amount, range and percentage in `text` (dates should be masked first with \\x00)."""
    lang = lang if lang in NUMBER_RE else "en"
    amounts = [_period(text, _decorate(text, q)) for q in _raw_amounts(text, lang)]
    # a decorated amount may have swallowed the next one ("20 pour cent": "cent" is not a hundred)
    amounts = [q for i, q in enumerate(amounts) if i == 0 or q.start >= amounts[i - 1].end]
    return _ranges(text, amounts)
