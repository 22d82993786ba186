"""Calendar dates in French and English text, found so they can be reported and masked before counting.

"15 mars 2025" must be one date, not the counts 15 and 2025. A bare year is always masked, and reported
as a date only after a preposition ("en 2016", "since 2014"): otherwise it qualifies another figure
("the 2025 budget") rather than stating when something happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FR_MONTHS = {
    "janvier": 1, "janv": 1, "février": 2, "fevrier": 2, "févr": 2, "fevr": 2, "mars": 3, "avril": 4, "avr": 4,
    "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "août": 8, "aout": 8, "septembre": 9, "sept": 9,
    "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "décembre": 12, "decembre": 12, "déc": 12, "dec": 12,
}  # fmt: skip
EN_MONTHS = {
    "January": 1, "Jan": 1, "February": 2, "Feb": 2, "March": 3, "Mar": 3, "April": 4, "Apr": 4, "May": 5,
    "June": 6, "Jun": 6, "July": 7, "Jul": 7, "August": 8, "Aug": 8, "September": 9, "Sept": 9, "Sep": 9,
    "October": 10, "Oct": 10, "November": 11, "Nov": 11, "December": 12, "Dec": 12,
}  # fmt: skip


def _alternation(names: dict[str, int]) -> str:
    return "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))


FULL_FR_MONTHS = {
    name: n for name, n in FR_MONTHS.items() if len(name) > 4 or name in ("mars", "mai", "juin", "août", "aout")
}
FULL_EN_MONTHS = {name: n for name, n in EN_MONTHS.items() if len(name) > 3 or name in ("May",)}
_MONTH_ALONE_BEFORE = (
    r"(?P<pre>(?<![\w'’])(?i:in|since|by|until|from|early|late|mid-?|last|en|depuis|dès|début|fin|mi-|courant|jusqu['’]en|"
    r"d['’]ici|avant|après|before|after))"
)
_FR_MONTH = rf"(?i:(?P<fm>{_alternation(FR_MONTHS)}))\.?"
_EN_MONTH = rf"(?P<em>{_alternation(EN_MONTHS)})\.?"
_DAY = r"(?P<d>1er|[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<y>(?:19|20)\d{2})"

DATE_PATTERNS = [
    re.compile(r"\b(?P<y>(?:19|20)\d{2})-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b"),
    # 15 mars 2025 / 15 March 2025 / mars 2025 / March 2025
    re.compile(rf"\b(?:{_DAY}\s+)?(?:{_FR_MONTH}|{_EN_MONTH})\s+{_YEAR}\b"),
    # March 3, 2025 / March 3 (year taken from context)
    re.compile(rf"\b{_EN_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR}\b)?"),
    # 7 mars (year taken from context: "du 7 mars au 3 avril 2022")
    re.compile(rf"\b{_DAY}\s+(?:{_FR_MONTH}|{_EN_MONTH})\b"),
    # a month alone after a preposition: "in August", "en juin", "début avril", "since March" (full names
    # only: "in May" is a month, "in Mar" is rare and "Mar" too often something else)
    re.compile(
        rf"(?:{_MONTH_ALONE_BEFORE})\s+(?:(?i:(?P<fm>{_alternation(FULL_FR_MONTHS)}))|(?P<em>{_alternation(FULL_EN_MONTHS)}))\b"
    ),
]
DIGIT = re.compile(r"\d")
BARE_YEAR = re.compile(r"(?<![\d.,])\b(?:19[5-9]\d|20[0-4]\d)\b(?![\d.,]\d)")


YEAR_PREPOSITION = re.compile(
    r"(?:\b(?:(?:d['’]|de\s+l['’])année|(?:the\s+)?(?:start|beginning|end)\s+of|in|since|by|en|depuis|dès|jusqu'en|jusqu’en|from|until|through|d'ici|d’ici|fin|début|courant|avant|after|before|après)|\bà\s+partir\s+de|\bfounded\s+in|\bcreated\s+in)\s+$",
    re.IGNORECASE,
)


# "2017: CDS was established": a year heading a line of a timeline dates what the line says
TIMELINE_ENTRY = re.compile(r"\s*(?::|–|—|-\s)")
# "du 2 au 16 décembre", "from 2 to 16 December", "2-16 December": the first day of a range of days
DAY_RANGE_START = re.compile(
    r"(?<![\d,.])(?P<d>[0-3]?\d|1er)(?:st|nd|rd|th)?\s*(?:au|to|et|and|–|-)\s*$", re.IGNORECASE
)
# "2016/17", "2021-22": a fiscal or school year, a period that qualifies figures, not the date of an event
FISCAL_YEAR = re.compile(r"\s?[/–-]\s?\d{2}(?!\d)")


def _fiscal(text: str, year: re.Match) -> bool:
    return bool(FISCAL_YEAR.match(text, year.end()))


YEAR_RANGE_JOIN = re.compile(r"\s*(?:to|and|à|au|et|-|–)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class DateSpan:
    start: int
    end: int
    iso: str | None  # None for a bare year, which is masked but not reported
    text: str


def _month(match: re.Match) -> int | None:
    groups = match.groupdict()
    if groups.get("m"):
        return int(groups["m"])
    if groups.get("fm"):
        return FR_MONTHS.get(groups["fm"].lower())
    if groups.get("em"):
        return EN_MONTHS.get(groups["em"])
    return None


def find_dates(text: str) -> list[DateSpan]:
    """Dates in `text`, earliest first, without overlaps. Day-month without a year borrows the year of the
    next dated mention in the text ("du 7 mars au 3 avril 2022"), else is reported without one ("--03-07"):
    the year of the publication is not always the year of the event."""
    if not DIGIT.search(text) and not DATE_PATTERNS[-1].search(text):
        return []  # a date has digits (its day or its year) or is a month after a preposition; most sentences have neither
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, int, int | None, int, int | None]] = []  # start, end, year, month, day

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for pattern in DATE_PATTERNS:
        for m in pattern.finditer(text):
            if not free(m.start(), m.end()):
                continue
            month = _month(m)
            if not month:
                continue
            day_text = m.groupdict().get("d")
            day = 1 if day_text == "1er" else int(day_text) if day_text else None
            if day is not None and not 1 <= day <= 31:
                continue
            year = int(m.group("y")) if m.groupdict().get("y") else None
            start = (
                m.start("fm")
                if m.groupdict().get("pre") and m.group("fm")
                else m.start("em")
                if m.groupdict().get("pre")
                else m.start()
            )
            taken.append((start, m.end()))
            found.append((start, m.end(), year, month, day))
            first_day = DAY_RANGE_START.search(text, 0, start) if day is not None else None
            if first_day and free(first_day.start("d"), first_day.end("d")):
                # "du 2 au 16 décembre", "from 2 to 16 December": the first day has the month of the second
                taken.append((first_day.start("d"), first_day.end("d")))
                found.append((first_day.start("d"), first_day.end("d"), year, month, int(first_day.group("d"))))
    found.sort()
    years = [int(m.group()) for m in BARE_YEAR.finditer(text) if free(m.start(), m.end()) and not _fiscal(text, m)]
    spans: list[DateSpan] = []
    for i, (start, end, year, month, day) in enumerate(found):
        if year is None:
            later = [f[2] for f in found[i + 1 :] if f[2] is not None and f[0] - end < 60]
            # else the one year the sentence states ("son édition 2021 se tient du 2 au 16 décembre")
            year = later[0] if later else years[0] if len(set(years)) == 1 else None
        if year is None:
            # "le 19 octobre": what is known, without a year the text does not give (ISO 8601's --MM-DD)
            iso = f"--{month:02d}-{day:02d}" if day is not None else f"--{month:02d}"
        elif day is None:
            iso = f"{year:04d}-{month:02d}"
        else:
            iso = f"{year:04d}-{month:02d}-{day:02d}"
        spans.append(DateSpan(start, end, iso, text[start:end]))
    previous_dated_end = None
    for m in BARE_YEAR.finditer(text):
        if free(m.start(), m.end()):
            # "en 2016", "since 2014": the year dates an event; "the 2025 budget": it only qualifies.
            # The second year of "from 2014 to 2025" / "de 2017 à 2019" dates too.
            before = text[max(0, m.start() - 20) : m.start()]
            dated = not _fiscal(text, m) and bool(
                YEAR_PREPOSITION.search(before)
                or TIMELINE_ENTRY.match(text[m.end() : m.end() + 3])
                and not text[: m.start()].strip(" \t•*-–")
                or (previous_dated_end is not None and YEAR_RANGE_JOIN.fullmatch(text[previous_dated_end : m.start()]))
            )
            spans.append(DateSpan(m.start(), m.end(), m.group() if dated else None, m.group()))
            previous_dated_end = m.end() if dated else None
    spans.sort(key=lambda s: s.start)
    return spans


def mask(text: str, spans: list[DateSpan]) -> str:
    """Blank out date spans with a same-length filler so offsets in the masked text stay valid."""
    chars = list(text)
    for span in spans:
        chars[span.start : span.end] = "\x00" * (span.end - span.start)
    return "".join(chars)
