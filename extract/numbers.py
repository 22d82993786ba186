"""The number layer: amounts, ranges, approximations, currencies and periods, with the words of each language
from its rule file (extract/rules.py) and the symbols every language shares.

Written by hand because no maintained library reads French figures well (quantulum3 is English-only,
price-parser ignores scale words, number-parser has no French). Number words are converted by text2num,
always on an isolated span, never over the whole text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from text_to_num import text2num

from extract.normalize import fold
from extract.rules import LanguageRules

SPACES = " \u00a0\u202f\u2009"  # French thousands are grouped with (narrow) no-break spaces too
_SP = f"[{SPACES}]"

# Digits, as the language writes decimals (its Babel decimal symbol, extract/rules.py). After a comma (French,
# German, Spanish, Italian): thousands grouped by (narrow, no-break) spaces or dots, "1 000", "1.000.000",
# "2.500,50". After a point (English): "1,000", "1.5".
_NUM_COMMA = rf"\d{{1,3}}(?:{_SP}\d{{3}})+(?:,\d+)?|\d{{1,3}}(?:\.\d{{3}})+(?:,\d+)?|\d+(?:[.,]\d+)?"
_NUM_POINT = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# A number glued to letters is a code ("COVID-19", "F35", "6ème"), unless the letters are a scale ("130k").
_GLUED = r"(?!(?:[kK]|M|m|Mds?|bn|mn)(?![A-Za-z]))[\w\x00]|[.,]\d"
NUMBER_RE = {
    ",": re.compile(rf"(?<![\w.,\-/\x00])(?:{_NUM_COMMA})(?!{_GLUED})"),
    ".": re.compile(rf"(?<![\w.,\-/\x00])(?:{_NUM_POINT})(?!{_GLUED})"),
}
# Symbols and codes of currencies, the same in every language (the words are in the language files)
CURRENCY_BEFORE = re.compile(r"(?P<c>US\$|USD|C\$|CA\$|CAD|A\$|AUD|S\$|SGD|\$|€|EUR|£|GBP|Rs\.?|₹|INR|CHF)\s?$")
CURRENCY_CODES = {
    "us$": "USD", "usd": "USD", "$": "USD", "c$": "CAD", "ca$": "CAD", "cad": "CAD", "a$": "AUD", "aud": "AUD",
    "s$": "SGD", "sgd": "SGD", "€": "EUR", "eur": "EUR", "£": "GBP", "gbp": "GBP", "rs": "INR", "rs.": "INR",
    "₹": "INR", "inr": "INR", "chf": "CHF",
}  # fmt: skip
UNQUALIFIED_DOLLARS = {"$", "dollar", "dollars"}
AGO = re.compile(r"\s+ago\b", re.IGNORECASE)


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


def parse_number(token: str, decimal: str) -> float | None:
    """The value of digits written with `decimal` before the decimals: "1 000" -> 1000, "1,5" (",") -> 1.5,
    "1.000.000" (",") -> 1000000, "1,000" (".") -> 1000, "1.5" -> 1.5."""
    t = token
    for sp in SPACES:
        t = t.replace(sp, "")
    if decimal == ",":
        if re.fullmatch(r"\d{1,3}(?:,\d{3})+", t) and t.count(",") > 1:
            t = t.replace(",", "")  # "1,000,000" in a French text is still a thousands grouping
        elif re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", t):
            t = t.replace(".", "").replace(",", ".")  # "3.500 euros", "2.500,50": dots group thousands
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


def _raw_amounts(text: str, rules: LanguageRules) -> list[Quantity]:
    found: list[Quantity] = []
    for m in NUMBER_RE[rules.decimal].finditer(text):
        value = parse_number(m.group(), rules.decimal)
        if value is not None:
            found.append(Quantity(m.start(), m.end(), value, num_start=m.start(), num_end=m.end()))
    for m in rules.number_words.finditer(text):
        span = m.group()
        if fold(span) in rules.one and not rules.one_or_more.match(text, m.end()):
            continue  # articles, not counts ("une équipe"); durations handle "un an" themselves
        value = words_to_number(span, rules.lang)
        if value is not None:
            found.append(Quantity(m.start(), m.end(), value, words=True, num_start=m.start(), num_end=m.end()))
    for m in rules.approx_nouns_pattern.finditer(text):
        value, start = rules.approx_nouns[fold(m.group("n"))], m.start()
        factor = rules.approx_noun_factor.search(text, max(0, start - 24), start)  # "une vingtaine", "two dozen"
        if factor:
            times = words_to_number(factor.group("k"), rules.lang)
            if times is None:
                continue
            value, start = value * times, factor.start()
        found = [q for q in found if q.end <= start or q.start >= m.end()]
        found.append(Quantity(start, m.end(), float(value), approx=True, words=True, num_start=start, num_end=m.end()))
    found.sort(key=lambda q: q.start)
    return found


def _decorate(text: str, q: Quantity, rules: LanguageRules) -> Quantity:
    """Extend a bare amount with its scale, currency, approximation and period."""
    start, end, value = q.start, q.end, q.value
    scale = rules.scale_after.match(text, end)
    if scale and (scale.group("short") or scale.group("word")):
        word = fold(scale.group("short") or scale.group("word"))
        if not (
            word == "m"
            and not CURRENCY_BEFORE.search(text[max(0, start - 4) : start])
            and not rules.currency_after.match(text[scale.end() :])
        ):
            factor = rules.scales[word]
            value, end = value * factor, scale.end()
            q = replace(q, scale=factor)
    currency, raw_currency = None, None
    before = CURRENCY_BEFORE.search(text[max(0, start - 4) : start])
    if before:
        raw_currency = before.group("c").lower()
        currency = CURRENCY_CODES.get(raw_currency)
        start = start - (len(before.group()))
    after = rules.currency_after.match(text[end : end + 40])
    if after:
        if currency is None:
            raw_currency = fold(" ".join(after.group("c").split()))
            currency = rules.currencies.get(raw_currency) or CURRENCY_CODES.get(raw_currency)
        end += after.end()
    approx = q.approx
    pre = rules.approx_before.search(text[max(0, start - 30) : start])
    if pre:
        approx = True
        start -= len(pre.group())
    post = rules.approx_after.match(text[end : end + 12])
    if post:
        approx = True
        end += post.end()
    percent = rules.percent_after.match(text[end : end + 14])
    if percent:
        end += percent.end()
    return replace(
        q, start=start, end=end, value=value, currency=currency, approx=approx, percent=bool(percent),
        unqualified_dollar=currency == "USD" and raw_currency in UNQUALIFIED_DOLLARS,
    )  # fmt: skip


def _period(text: str, q: Quantity, rules: LanguageRules) -> Quantity:
    m = rules.period_after.match(text[q.end : q.end + 24])
    if not m or AGO.match(text, q.end + m.end()):
        return q  # "£73,500 a year ago" is no rate
    period = next(k for k in ("year", "month", "hour") if m.group(k))
    return replace(q, end=q.end + m.end(), period=period)


def _ranges(text: str, items: list[Quantity], rules: LanguageRules) -> list[Quantity]:
    out: list[Quantity] = []
    i = 0
    while i < len(items):
        a = items[i]
        if i + 1 < len(items):
            b = items[i + 1]
            join = rules.range_join.match(text[a.end : b.start])
            prefix = rules.range_prefix.search(text[max(0, a.start - 10) : a.start])
            joined_by = fold(join.group().strip(" -")) if join else ""
            needs_prefix = joined_by in rules.needs_prefix
            if join and (prefix or not needs_prefix) and a.percent == b.percent:
                low, high = a.value, b.value
                if low is not None and high is not None and a.scale == 1 and b.scale > 1 and low < high / b.scale * 10:
                    low *= b.scale  # "between 1.5 and 2 million": the scale belongs to both ends
                before = text[max(0, a.start - (len(prefix.group()) if prefix else 0) - 40) : a.start]
                alternative = joined_by in rules.alternative and (a.currency or b.currency)
                change = (
                    prefix
                    and fold(prefix.group("p")) not in rules.between
                    and (rules.change_before.search(before) or joined_by in rules.change_joins)
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


def find_quantities(text: str, rules: LanguageRules) -> list[Quantity]:
    """Every amount, range and percentage in `text` (dates should be masked first with \\x00)."""
    amounts = [_period(text, _decorate(text, q, rules), rules) for q in _raw_amounts(text, rules)]
    # a decorated amount may have swallowed the next one ("20 pour cent": "cent" is not a hundred)
    amounts = [q for i, q in enumerate(amounts) if i == 0 or q.start >= amounts[i - 1].end]
    return _ranges(text, amounts, rules)
