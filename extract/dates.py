"""Calendar dates in the text of an analysed language (its month names and prepositions come from its rule
file), found so they can be reported and masked before counting.

"15 mars 2025" must be one date, not the counts 15 and 2025. A bare year is always masked, and reported
as a date only after a preposition ("en 2016", "since 2014"): otherwise it qualifies another figure
("the 2025 budget") rather than stating when something happened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extract.normalize import fold
from extract.rules import DateRules

DIGIT = re.compile(r"\d")
BARE_YEAR = re.compile(r"(?<![\d.,])\b(?:19[5-9]\d|20[0-4]\d)\b(?![\d.,]\d)")
# "2017: CDS was established": a year heading a line of a timeline dates what the line says
TIMELINE_ENTRY = re.compile(r"\s*(?::|–|—|-\s)")
# "2016/17", "2021-22": a fiscal or school year, a period that qualifies figures, not the date of an event
FISCAL_YEAR = re.compile(r"\s?[/–-]\s?\d{2}(?!\d)")


def _fiscal(text: str, year: re.Match) -> bool:
    return bool(FISCAL_YEAR.match(text, year.end()))


@dataclass(frozen=True)
class DateSpan:
    start: int
    end: int
    iso: str | None  # None for a bare year, which is masked but not reported
    text: str


def _month(match: re.Match, rules: DateRules) -> int | None:
    groups = match.groupdict()
    if groups.get("m"):
        return int(groups["m"])
    return rules.months.get(fold(groups.get("mon") or "").rstrip("."))


def find_dates(text: str, rules: DateRules) -> list[DateSpan]:
    """Dates in `text`, earliest first, without overlaps. Day-month without a year borrows the year of the
    next dated mention close by ("du 7 mars au 3 avril 2022"), else the one year the text states, else is
    reported without one ("--03-07"): the year of the publication is not always the year of the event."""
    if not DIGIT.search(text) and not rules.patterns[-1].search(text):
        return []  # a date has digits or is a month after a preposition; most sentences have neither
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, int, int | None, int, int | None]] = []  # start, end, year, month, day

    def free(s: int, e: int) -> bool:
        return all(e <= a or s >= b for a, b in taken)

    for pattern in rules.patterns:
        for m in pattern.finditer(text):
            if not free(m.start(), m.end()):
                continue
            month = _month(m, rules)
            if not month:
                continue
            day_text = m.groupdict().get("d")
            day = 1 if day_text == "1er" else int(day_text) if day_text else None
            if day is not None and not 1 <= day <= 31:
                continue
            year = int(m.group("y")) if m.groupdict().get("y") else None
            start = m.start("mon") if m.groupdict().get("pre") else m.start()
            taken.append((start, m.end()))
            found.append((start, m.end(), year, month, day))
            first_day = rules.day_range_start.search(text, 0, start) if day is not None else None
            if first_day and free(first_day.start("d"), first_day.end("d")):
                # "du 2 au 16 décembre", "from 2 to 16 December": the first day has the month of the second
                first = 1 if first_day.group("d") == "1er" else int(first_day.group("d"))
                if 1 <= first < day:
                    taken.append((first_day.start("d"), first_day.end("d")))
                    found.append((first_day.start("d"), first_day.end("d"), year, month, first))
    found.sort()
    years = [int(m.group()) for m in BARE_YEAR.finditer(text) if free(m.start(), m.end()) and not _fiscal(text, m)]
    spans: list[DateSpan] = []
    for i, (start, end, year, month, day) in enumerate(found):
        if year is None:
            later = [f[2] for f in found[i + 1 :] if f[2] is not None and f[0] - end < 60]
            # else the one year the text states ("son édition 2021 se tient du 2 au 16 décembre")
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
            before = text[max(0, m.start() - 24) : m.start()]
            dated = not _fiscal(text, m) and bool(
                rules.year_before.search(before)
                or (TIMELINE_ENTRY.match(text, m.end()) and not text[: m.start()].strip(" \t•*-–"))
                or (
                    previous_dated_end is not None
                    and rules.year_range_join.fullmatch(text[previous_dated_end : m.start()])
                )
            )
            spans.append(DateSpan(m.start(), m.end(), m.group() if dated else None, m.group()))
            previous_dated_end = m.end() if dated else None
    spans.sort(key=lambda s: s.start)
    return spans


def mask(text: str, spans: list[DateSpan]) -> str:
    """Blank out date spans with a same-length filler so offsets in the masked text stay valid."""
    if not spans:
        return text
    chars = list(text)
    for span in spans:
        chars[span.start : span.end] = "\x00" * (span.end - span.start)
    return "".join(chars)
