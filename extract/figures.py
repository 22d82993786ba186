"""Typed figures from one sentence: headcount, count, salary, budget, duration, percent, date.

The kind is decided from what follows the number (the counted noun or unit) and from the sentence's
verbs (recruter/hire, démissionner/resign, licencier/lay off). A number with nothing to say what it
counts is left out: an analyst would not write it down either. Every word the rules read comes from the
language's rule file (extract/rules.py); this module only says how they combine.
"""

from __future__ import annotations

import re
from typing import Any

from extract.dates import DateSpan, find_dates, mask
from extract.normalize import fold
from extract.numbers import Quantity, find_quantities, words_to_number
from extract.rules import LanguageRules, Noun

PEOPLE = "headcount", "person"
ACRONYM_WORD = re.compile(r"^[A-Z][A-Z0-9]{1,6}$")
WORD = re.compile(r"[\w'’-]+|[^\w\s]")
# "192 en 2015, 195 en 2016": after a number that repeats the previous figure's noun, a list goes on
LIST_GOES_ON = re.compile(r"^(?:\s*[,;.]|\s*$|(?:\s+[^\W\d_]+)?\s+\x00)")
MAX_ELLIPSIS_WORDS = 4
MAX_COUNTED_BEFORE_WORDS = 12


def headcount_measure(what: str | None, rules: LanguageRules) -> str | None:
    """ "hires (technologists)" measures hires; "technologists" alone says who, not what happened: None."""
    if not what:
        return None
    return rules.headcount_measures.get(what.split(" (")[0])


def _counted_noun(after: str, rules: LanguageRules) -> Noun | None:
    """Find the counted noun in the few words after a number, skipping fillers ("nouvelles", "de"),
    acronyms ("40 USDS employees"), at most one unknown adjective ("65 legacy staff") and a name whose last
    word counts people ("6 new Presidential Innovation Fellows"). A noun glued by a hyphen counts too ("a
    2,000-person agency"); a capitalised thing after a name is part of the name ("736 Jackson Place")."""
    original = WORD.findall(after[:80])
    if original and original[0].startswith("-") and len(original[0]) > 1:
        original[0] = original[0][1:]
    words = [fold(w) for w in original]
    in_name = False
    unknown = 0
    for i, word in enumerate(words[:6]):
        if not re.match(r"\w", word):
            return None
        noun = rules.noun_at(" ".join(words[i:]))
        capitalised = original[i][:1].isupper()
        if noun and capitalised and i + 1 < len(words):
            # a capitalised noun may end a name: "21 US Digital Service staffers" counts staffers
            noun = rules.noun_at(" ".join(words[i + 1 :])) or noun
        if noun:
            return None if in_name and capitalised and noun.kind != "headcount" else noun
        if word in rules.fillers or word.startswith("d'") or ACRONYM_WORD.match(original[i]):
            continue
        if capitalised and i + 1 < len(words) and original[i + 1][:1].isupper():
            in_name = True  # "Presidential Innovation Fellows", "Jackson Place": read on to the name's end
            continue
        unknown += 1
        if unknown > 1 or i + 1 >= len(words) or not rules.noun_at(" ".join(words[i + 1 :])):
            return None
    return None


def _counted_before(q: Quantity, masked: str, sentence: str, rules: LanguageRules) -> str | None:
    """A staff-level or team noun a few words before the number, in its clause: "les effectifs de la Cnil
    étaient de 192", "personnel size is capped at 598", "par équipe de deux ou trois". What it counts."""
    lo, _ = clause_bounds(sentence, q.start, q.end, rules)
    start = q.num_start or q.start  # "équipe de trois": the range's "de" belongs to the noun's phrase
    found = list(rules.counted_before.finditer(masked, lo, start))
    if not found:
        return None
    last = found[-1]
    gap = masked[last.end() : start]
    if re.search(r"\d", gap) or len(re.findall(r"[^\W\d_]+", gap)) > MAX_COUNTED_BEFORE_WORDS:
        return None
    term = fold(last.group("t"))
    return next(what for key, what in rules.counted_before_what.items() if term.startswith(key.rstrip("*")))


def _nearest(pattern: re.Pattern[str], text: str, start: int, end: int) -> int | None:
    """Distance in characters from the figure to the closest match of `pattern` in `text`."""
    distances = [max(m.start() - end, start - m.end(), 0) for m in pattern.finditer(text)]
    return min(distances) if distances else None


def clause_bounds(sentence: str, start: int, end: int, rules: LanguageRules) -> tuple[int, int]:
    """Where the clause around `sentence[start:end]` begins and ends (commas, semicolons, "while", "tandis que";
    a comma between two digits is a thousands separator, not a clause break)."""
    lo = max((m.end() for m in rules.clause_break.finditer(sentence, 0, start)), default=0)
    after = rules.clause_break.search(sentence, end)
    return lo, after.start() if after else len(sentence)


def _clause(sentence: str, start: int, end: int, rules: LanguageRules) -> str:
    """The clause around a figure; the rest of the sentence is blanked, so offsets stay valid."""
    lo, hi = clause_bounds(sentence, start, end, rules)
    return " " * lo + sentence[lo:hi] + " " * (len(sentence) - hi)


def _people_verb(sentence: str, start: int, end: int, rules: LanguageRules) -> str | None:
    """Hires, resignations or layoffs: the closest of their verbs in the figure's clause (else its sentence),
    so that "une quarantaine ont été licenciés, tandis que 21 ont démissionné" gives one of each."""
    for text in (_clause(sentence, start, end, rules), sentence):
        folded = fold(text)
        found = {
            label: distance
            for label, pattern in rules.people_verbs.items()
            if (distance := _nearest(pattern, folded, start, end)) is not None
        }
        if found:
            return min(found, key=found.get)
    return None


def _headcount_what(sentence: str, what: str, start: int, end: int, rules: LanguageRules) -> str:
    """What a headcount counts once its sentence's verbs are read: resignations and layoffs say it, hiring
    says it of people named only by who they are ("recruter 50 profils": hires (profiles))."""
    verb = _people_verb(sentence, start, end, rules)
    if verb is None:
        return what
    if verb != "hires":
        return verb
    if what in rules.hires_of:
        return f"hires ({what})" if what != "people" else "hires"
    return what


def _verb_next_to(folded: str, pattern: re.Pattern[str], before: bool, words: int) -> bool:
    """Whether a verb of `pattern` ends at most `words` words before the end of `folded` (before=True) or
    starts at most `words` words after its start."""
    for m in pattern.finditer(folded):
        gap = folded[m.end() :] if before else folded[: m.start()]
        if len(gap.split()) <= words and (not before or not gap.strip() or gap.startswith(" ")):
            return True
    return False


def _classify(q: Quantity, masked: str, sentence: str, rules: LanguageRules) -> dict[str, Any] | None:
    """Kind, unit and what of one quantity, or None when nothing says what it counts."""
    after = masked[q.end :]
    if q.percent:
        return {"kind": "percent", "unit": "percent", "what": "percentage"}
    if q.currency:
        # pay of one person; millions paid out are a programme's money, whatever the verb
        amount = q.value if q.value is not None else q.max
        paid = rules.pay.search(sentence) or q.period == "hour"
        ceiling = rules.salary_ceiling.get(q.currency, rules.salary_ceiling["default"])
        kind = "salary" if paid and (amount or 0) < ceiling else "budget"
        typed = {"kind": kind, "unit": q.currency, "what": "salary" if kind == "salary" else "amount"}
        if kind == "salary" and not q.period:
            annual = rules.annual.search(_clause(sentence, q.start, q.end, rules))
            typed["period"] = ("year" if annual.group("year") else "month") if annual else None
        return typed
    duration = rules.duration_after.match(after)
    if duration and not duration.group("tail") and not rules.not_duration_before.search(masked[: q.start]):
        unit = rules.durations[fold(duration.group("u"))]
        extend = duration.end()
        half = rules.half_after.match(after[extend:])
        if half:
            extend += half.end()
        return {"kind": "duration", "unit": unit, "what": "duration", "_extend": extend, "_half": bool(half)}
    if duration:
        return None  # "25 years old", "10 years ago"
    noun = _counted_noun(after, rules)
    if noun:
        kind, unit, what = noun.kind, noun.unit, noun.what
        if unit in ("job", "position") and _people_verb(sentence, q.start, q.end, rules) == "layoffs":
            kind, unit = PEOPLE  # "cut 100 jobs", "supprimer 50 postes": people lose them
        if kind == "headcount":
            what = _headcount_what(sentence, what, q.start, q.end, rules)
        elif unit == "company" and re.search(r"partenaire|partner|associ|join", fold(sentence)):
            what = "partner companies"
        return {"kind": kind, "unit": unit, "what": what}
    staff = _counted_before(q, masked, sentence, rules)
    if staff:
        return {"kind": "headcount", "unit": "person", "what": staff}
    if rules.people_after.match(after):
        return {"kind": "headcount", "unit": "person", "what": "people"}
    before = fold(masked[max(0, q.start - 40) : q.start])
    after_words = fold(after[:40])
    verbs = rules.people_verbs
    if _verb_next_to(before, verbs["hires"], before=True, words=2):
        return {"kind": "headcount", "unit": "person", "what": "hires"}
    if _verb_next_to(after_words, verbs["resignations"], before=False, words=3):
        return {"kind": "headcount", "unit": "person", "what": "resignations"}
    if _verb_next_to(before, verbs["layoffs"], before=True, words=2) or _verb_next_to(
        after_words, verbs["layoffs"], before=False, words=4
    ):
        return {"kind": "headcount", "unit": "person", "what": "layoffs"}
    return None


def _rate_period(after: str, rules: LanguageRules) -> str | None:
    """ "200 offres d'emploi chaque mois": a count per period, said after the counted noun."""
    m = rules.rate_after.match(after)
    if not m:
        return None
    return "month" if m.group("month") else "year"


def label(figure: dict[str, Any]) -> str:
    """A short human-readable form for the timeline: "130,000–195,000 USD/year", "~20 partner companies"."""

    def num(x: float) -> str:
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}".rstrip("0").rstrip(".")

    if figure["kind"] == "date":
        return f"date {figure.get('iso')}"
    amount = num(figure["value"]) if figure.get("value") is not None else f"{num(figure['min'])}–{num(figure['max'])}"
    prefix = "~" if figure.get("approx") else ""
    unit = figure.get("unit") or ""
    if figure["kind"] in ("salary", "budget"):
        text = f"{prefix}{amount} {unit}"
        return text + (f"/{figure['period']}" if figure.get("period") else "")
    if figure["kind"] == "percent":
        return f"{prefix}{amount}%"
    if figure["kind"] == "duration":
        plural = "" if figure.get("value") == 1 else "s"
        return f"{prefix}{amount} {unit}{plural}"
    tail = f" per {figure['period']}" if figure.get("period") else ""
    return f"{prefix}{amount} {figure.get('what') or unit}{tail}"


def _one_word_durations(
    sentence: str, masked: str, taken: list[tuple[int, int]], rules: LanguageRules
) -> list[dict[str, Any]]:
    """ "un an", "a year", "un an et demi": a duration whose number is an article."""
    figures = []
    for m in rules.duration_word.finditer(masked):
        if any(not (m.end() <= a or m.start() >= b) for a, b in taken):
            continue
        if rules.not_duration_before.search(masked[: m.start()]):
            continue
        unit = rules.durations[fold(m.group("u"))]
        value = (words_to_number(m.group("n"), rules.lang) or 1.0) + (0.5 if m.group("half") else 0.0)
        figures.append(
            {"kind": "duration", "value": value, "min": None, "max": None, "unit": unit, "currency": None,
             "period": None, "what": "duration", "approx": False, "start": m.start(), "end": m.end()}
        )  # fmt: skip
    return figures


def _inherited(
    q: Quantity,
    quantities: list[Quantity],
    i: int,
    typed: list[dict[str, Any] | None],
    masked: str,
    rules: LanguageRules,
) -> dict[str, Any] | None:
    """What a number that names nothing counts, from its neighbours: "50 of the 150 employees" (the next
    one's), "192 en 2015, 195 en 2016 et 198" or "43 more staff, 804 more at grades 6 and 7" (the previous
    one's, when only a few words stand between them), "650 agents, contre 350" (the one it is compared with)."""
    if i + 1 < len(quantities) and rules.part_of.fullmatch(masked[q.end : quantities[i + 1].start]):
        return typed[i + 1]
    if i == 0:
        return None
    previous = typed[i - 1]
    if not previous or previous["kind"] not in ("headcount", "count"):
        return None
    compared = rules.compared_before.search(masked[max(0, q.start - 30) : q.start])
    more = rules.ellipsis_after.match(masked[q.end : q.end + 30])  # "804 more", "10 de plus"
    between = masked[quantities[i - 1].end : q.start]
    short = len(re.findall(r"[^\W\d_]+", between)) <= MAX_ELLIPSIS_WORDS
    follows = masked[q.end : q.end + 30]
    if not (compared or more or (short and (LIST_GOES_ON.match(follows) or rules.list_join.match(follows)))):
        return None
    return {k: v for k, v in previous.items() if not k.startswith("_")}


def figures_from_sentence(sentence: str, rules: LanguageRules) -> list[dict[str, Any]]:
    """All figures in one sentence, with offsets relative to the sentence."""
    dates = find_dates(sentence, rules.dates)
    masked = mask(sentence, dates)
    figures: list[dict[str, Any]] = []
    for span in dates:
        if span.iso:
            figures.append(_date_figure(span))
    taken: list[tuple[int, int]] = []
    quantities = find_quantities(masked, rules)
    # "top 10", "article 49", "grades 6 and 7", "one in five": a rank, a reference or a ratio, no quantity
    references = [bool(rules.reference_before.search(masked[max(0, q.start - 12) : q.start])) for q in quantities]
    typed_all = [
        None if ref else _classify(q, masked, sentence, rules) for q, ref in zip(quantities, references, strict=True)
    ]
    for i, q in enumerate(quantities):
        if references[i]:
            continue
        typed = typed_all[i]
        if q.change_to and i + 1 < len(quantities) and typed_all[i + 1] is not None:
            # "de 120 à 568 collaborateurs": the earlier value counts what the later one does
            typed = {k: v for k, v in typed_all[i + 1].items() if not k.startswith("_")}
        if typed is None and i and quantities[i - 1].change_to and typed_all[i - 1] is not None:
            # "ist von 40 auf 60 gestiegen" after the noun: the later value counts what the earlier one does
            typed = typed_all[i] = {k: v for k, v in typed_all[i - 1].items() if not k.startswith("_")}
        if typed is None:
            typed = typed_all[i] = _inherited(q, quantities, i, typed_all, masked, rules)
        if typed is None:
            continue
        end = q.end + typed.get("_extend", 0)
        value = q.value + 0.5 if typed.get("_half") and q.value is not None else q.value
        figure = {
            "kind": typed["kind"],
            "value": value,
            "min": q.min,
            "max": q.max,
            "unit": typed["unit"],
            "currency": q.currency,
            "period": q.period or typed.get("period") or (quantities[i + 1].period if q.change_to else None),
            "what": typed["what"],
            "approx": q.approx,
            "start": q.start,
            "end": end,
            "unqualified_dollar": q.unqualified_dollar,
        }
        if figure["kind"] in ("headcount", "count") and not figure["period"]:
            figure["period"] = _rate_period(masked[end : end + 60], rules)
        figures.append(figure)
        taken.append((q.start, end))
    figures.extend(_one_word_durations(sentence, masked, taken, rules))
    for figure in figures:
        figure["text"] = sentence[figure["start"] : figure["end"]]
        figure["label"] = label(figure)
    figures.sort(key=lambda f: f["start"])
    return figures


def _date_figure(span: DateSpan) -> dict[str, Any]:
    return {
        "kind": "date", "value": None, "min": None, "max": None, "unit": None, "currency": None, "period": None,
        "what": "date", "approx": False, "iso": span.iso, "start": span.start, "end": span.end,
    }  # fmt: skip
