"""Typed figures from one sentence: headcount, count, salary, budget, duration, percent, date.

The kind is decided from what follows the number (the counted noun or unit) and from the sentence's
verbs (recruter/hire, démissionner/resign, licencier/lay off). A number with nothing to say what it
counts is left out: an analyst would not write it down either.
"""

from __future__ import annotations

import re
from typing import Any

from extract.dates import DateSpan, find_dates, mask
from extract.normalize import fold
from extract.numbers import Quantity, find_quantities, words_to_number

DURATION_UNITS = {
    "an": "year", "ans": "year", "année": "year", "années": "year", "annee": "year", "annees": "year",
    "year": "year", "years": "year", "mois": "month", "month": "month", "months": "month",
    "semaine": "week", "semaines": "week", "week": "week", "weeks": "week", "jour": "day", "jours": "day",
    "day": "day", "days": "day",
}  # fmt: skip
DURATION_AFTER = re.compile(
    r"^(?:\s+|-)(?P<u>ans?|années?|annees?|years?|mois|months?|semaines?|weeks?|jours?|days?)(?![\w])"
    r"(?P<tail>-old|-long| old| ago)?",
    re.IGNORECASE,
)
DURATION_WORD = re.compile(
    r"(?<![\w-])(?P<n>un|une|one)(?:\s+|-)(?P<u>an|année|year|mois|month|semaine|week|jour|day)(?![\w])",
    re.IGNORECASE,
)
NOT_A_DURATION_BEFORE = re.compile(
    r"(?:il\s+y\s+a|âgée?s?(?:\s+de)?|aged(?:\s+between|\s+from)?|f[êe]te\w*\s+(?:ses|son|leurs)|"
    r"c[ée]l[èe]bre\w*\s+(?:ses|son|leurs)|celebrat\w*\s+(?:its|their)|marks?|marking)\s*$",
    re.IGNORECASE,
)

# Counted nouns, matched as word prefixes (accents folded): prefix -> (kind, unit, what)
PEOPLE = "headcount", "person"
NOUNS: list[tuple[str, tuple[str, str, str]]] = [
    # French
    ("personne", (*PEOPLE, "people")), ("recrue", (*PEOPLE, "recruits")), ("salarie", (*PEOPLE, "employees")),
    ("employe", (*PEOPLE, "employees")), ("agent", (*PEOPLE, "staff")), ("fonctionnaire", (*PEOPLE, "civil servants")),
    ("ingenieur", (*PEOPLE, "engineers")), ("developpeu", (*PEOPLE, "developers")), ("data scientist", (*PEOPLE, "data scientists")),
    ("designer", (*PEOPLE, "designers")), ("profil", (*PEOPLE, "profiles")), ("expert", (*PEOPLE, "experts")),
    ("specialiste", (*PEOPLE, "specialists")), ("technologue", (*PEOPLE, "technologists")),
    ("talent", (*PEOPLE, "talents")), ("jeune", (*PEOPLE, "young people")), ("entrepreneur", (*PEOPLE, "entrepreneurs")),
    ("fellow", (*PEOPLE, "fellows")), ("membre", (*PEOPLE, "members")), ("candidat", (*PEOPLE, "applicants")),
    ("candidature", ("count", "application", "applications")), ("participant", (*PEOPLE, "participants")),
    ("collaborat", (*PEOPLE, "staff")), ("professionnel", (*PEOPLE, "professionals")), ("chercheu", (*PEOPLE, "researchers")),
    ("etudiant", (*PEOPLE, "students")), ("stagiaire", (*PEOPLE, "interns")), ("laureat", (*PEOPLE, "laureates")),
    ("contractuel", (*PEOPLE, "contractors")), ("informaticien", (*PEOPLE, "IT specialists")),
    ("eig", (*PEOPLE, "entrepreneurs")), ("dossier", ("count", "application", "applications")), ("recrutement", (*PEOPLE, "hires")),
    ("recruteu", (*PEOPLE, "recruiters")), ("intervenant", (*PEOPLE, "contributors")), ("innovat", (*PEOPLE, "innovators")),
    ("metier", ("count", "job type", "job types")), ("action", ("count", "action", "actions")),
    ("session", ("count", "session", "sessions")), ("departement", ("count", "department", "departments")),
    ("entreprises partenaires", ("count", "company", "partner companies")),
    ("entreprise", ("count", "company", "companies")), ("societe", ("count", "company", "companies")),
    ("partenaire", ("count", "partner", "partners")), ("offre", ("count", "job offer", "job offers")),
    ("poste", ("count", "position", "positions")), ("emploi", ("count", "job", "jobs")),
    ("projet", ("count", "project", "projects")), ("defi", ("count", "challenge", "challenges")),
    ("start-up", ("count", "startup", "startups")), ("startup", ("count", "startup", "startups")),
    ("groupe", ("count", "company", "companies")), ("produit", ("count", "product", "products")), ("administration", ("count", "administration", "administrations")),
    ("ministere", ("count", "ministry", "ministries")), ("agence", ("count", "agency", "agencies")),
    ("utilisateur", ("count", "user", "users")), ("usager", ("count", "user", "users")),
    ("interview", ("count", "interview", "interviews")), ("entretien", ("count", "interview", "interviews")),
    ("video", ("count", "video", "videos")), ("promotion", ("count", "cohort", "cohorts")),
    ("equipe", ("count", "team", "teams")), ("pays", ("count", "country", "countries")),
    ("service", ("count", "service", "services")), ("demarche", ("count", "procedure", "procedures")),
    ("compte", ("count", "account", "accounts")), ("mission", ("count", "mission", "missions")),
    # English
    ("people", (*PEOPLE, "people")), ("person", (*PEOPLE, "people")), ("employee", (*PEOPLE, "employees")),
    ("staffer", (*PEOPLE, "staff")), ("staff", (*PEOPLE, "staff")), ("worker", (*PEOPLE, "workers")), ("technologist", (*PEOPLE, "technologists")),
    ("engineer", (*PEOPLE, "engineers")), ("developer", (*PEOPLE, "developers")), ("specialist", (*PEOPLE, "specialists")),
    ("recruit", (*PEOPLE, "recruits")), ("hire", (*PEOPLE, "hires")), ("applicant", (*PEOPLE, "applicants")),
    ("application", ("count", "application", "applications")), ("professional", (*PEOPLE, "professionals")),
    ("contractor", (*PEOPLE, "contractors")), ("researcher", (*PEOPLE, "researchers")), ("student", (*PEOPLE, "students")),
    ("intern", (*PEOPLE, "interns")), ("official", (*PEOPLE, "officials")), ("civil servant", (*PEOPLE, "civil servants")),
    ("graduate", (*PEOPLE, "graduates")), ("team member", (*PEOPLE, "team members")), ("product manager", (*PEOPLE, "product managers")),
    ("partner compan", ("count", "company", "partner companies")), ("compan", ("count", "company", "companies")),
    ("firm", ("count", "company", "companies")), ("partner", ("count", "partner", "partners")),
    ("job offer", ("count", "job offer", "job offers")), ("job opening", ("count", "job offer", "job offers")),
    ("opening", ("count", "job offer", "job offers")), ("position", ("count", "position", "positions")),
    ("job", ("count", "job", "jobs")), ("role", ("count", "position", "positions")), ("project", ("count", "project", "projects")),
    ("challenge", ("count", "challenge", "challenges")), ("product", ("count", "product", "products")),
    ("agenc", ("count", "agency", "agencies")), ("department", ("count", "department", "departments")),
    ("user", ("count", "user", "users")), ("cohort", ("count", "cohort", "cohorts")), ("team", ("count", "team", "teams")),
    ("countr", ("count", "country", "countries")), ("account", ("count", "account", "accounts")),
    ("contract", ("count", "contract", "contracts")), ("track", ("count", "track", "tracks")),
    ("post", ("count", "position", "positions")), ("slot", ("count", "position", "positions")),
    ("place", ("count", "position", "places")), ("civilian", (*PEOPLE, "civilian employees")),
    ("cities", ("count", "city", "cities")), ("city", ("count", "city", "cities")), ("group", ("count", "group", "groups")),
    ("veteran", (*PEOPLE, "veterans")), ("ville", ("count", "city", "cities")), ("website", ("count", "website", "websites")),
    ("dirigeant", (*PEOPLE, "executives")), ("cadre", (*PEOPLE, "managers")), ("intrapreneu", (*PEOPLE, "intrapreneurs")),
    ("apprenti", (*PEOPLE, "apprentices")), ("alternant", (*PEOPLE, "apprentices")), ("alumni", (*PEOPLE, "alumni")),
    ("individual", (*PEOPLE, "people")), ("executive", (*PEOPLE, "executives")), ("apprentice", (*PEOPLE, "apprentices")),
    ("cadet", (*PEOPLE, "cadets")), ("coworker", (*PEOPLE, "staff")), ("co-worker", (*PEOPLE, "staff")),
    ("colleague", (*PEOPLE, "staff")), ("personnel", (*PEOPLE, "staff")), ("fte", (*PEOPLE, "staff")),
    ("etp", (*PEOPLE, "staff")), ("full-time equivalent", (*PEOPLE, "staff")), ("equivalents temps plein", (*PEOPLE, "staff")),
]  # fmt: skip
NOUNS.sort(key=lambda item: len(item[0]), reverse=True)  # "entreprises partenaires" before "entreprise"

# What a headcount measures, by what it counts: the same thousand people are "technologists" for one outlet
# and "hires" for another. A noun that only says who the people are (technologists, engineers, profiles)
# has no measure of its own: consolidation gives it the measure of a figure with the same value.
HEADCOUNT_MEASURES = {
    "hires": "hires", "recruits": "hires", "resignations": "resignations", "layoffs": "layoffs",
    "staff": "staff", "employees": "staff", "team members": "staff", "civil servants": "staff",
    "workers": "staff", "officials": "staff", "civilian employees": "staff", "contractors": "staff",
    "applicants": "applicants",
    "fellows": "cohort", "entrepreneurs": "cohort", "laureates": "cohort", "participants": "cohort",
    "interns": "cohort", "students": "cohort", "innovators": "cohort", "veterans": "cohort",
    "apprentices": "cohort", "cadets": "cohort", "intrapreneurs": "cohort",
}  # fmt: skip


def headcount_measure(what: str | None) -> str | None:
    """ "hires (technologists)" measures hires; "technologists" alone says who, not what happened: None."""
    if not what:
        return None
    return HEADCOUNT_MEASURES.get(what.split(" (")[0])


# Words that may stand between a number and its noun: "200 nouvelles offres", "1,000 early-career technologists"
FILLERS = set(
    "de d' des du of the new nouveaux nouvelles nouveau nouvelle additional supplementaires supplementaire more "
    "other autres early-career early career mid-career junior juniors senior seniors jeunes young top technical "
    "techniques tech digital numeriques numerique federal federaux federales full-time part-time permanent "
    "qualified qualifies hautement highly skilled open vacant technology former anciens anciennes volunteer "
    "benevoles".split()
)

ACRONYM_WORD = re.compile(r"^[A-Z][A-Z0-9]{1,6}$")
HIRING = re.compile(r"\b(?:recrut\w*|embauch\w*|hir(?:e|es|ed|ing)\b|recruit\w*|onboard\w*|bring\s+in)", re.IGNORECASE)
RESIGN = re.compile(r"\b(?:d[ée]missionn?\w*|resign\w*|quit|stepped\s+down|left\s+the)", re.IGNORECASE)
LAYOFF = re.compile(
    r"\b(?:licenci\w*|laid\s+off|lay\s+off|layoffs?|fired|let\s+go|job\s+cuts|cut|supprim\w*|suppression\w*)",
    re.IGNORECASE,
)
ANNUAL = re.compile(
    r"\b(?:(?P<year>annuel\w*|annual\w*|par\s+an|a\s+year|per\s+year)|mensuel\w*|monthly)\b", re.IGNORECASE
)
REFERENCE_BEFORE = re.compile(
    r"\b(?:top|article|art\.|section|n°|no\.|numéro|number|chapitre|chapter)\s*$", re.IGNORECASE
)
SALARY = re.compile(
    r"\b(?:salaire\w*|r[ée]mun[ée]r\w*|pay[ée]s?|salar(?:y|ies)|pays?|paid|earn\w*|compensation|wages?|"
    r"touch\w*|gagn\w*|brut|bill\w*)\b",
    re.IGNORECASE,
)


# Above this, an amount paid is a programme's money rather than one person's pay (in the currency's units:
# "Rs 1.6 crore", sixteen million rupees, is one engineer's package).
SALARY_CEILING = {"INR": 50_000_000}


def _noun_at(rest: str) -> tuple[str, str, str] | None:
    rest = re.sub(r"^d'", "", rest)
    for prefix, meaning in NOUNS:
        if rest.startswith(prefix):
            return meaning
    return None


def _counted_noun(after: str) -> tuple[str, str, str] | None:
    """Find the counted noun in the few words after a number, skipping fillers ("nouvelles", "de"),
    acronyms ("40 USDS employees") and at most one unknown adjective ("65 legacy staff")."""
    original = re.findall(r"[\w'’-]+|[^\w\s]", after[:80])
    words = [fold(w) for w in original]
    unknown = 0
    for i, word in enumerate(words[:5]):
        if not re.match(r"\w", word):
            return None
        meaning = _noun_at(" ".join(words[i:]))
        if meaning and original[i][:1].isupper() and i + 1 < len(words):
            # a capitalised noun may end a name: "21 US Digital Service staffers" counts staffers
            following = _noun_at(" ".join(words[i + 1 :]))
            meaning = following or meaning
        if meaning:
            return meaning
        if word in FILLERS or word.startswith("d'") or ACRONYM_WORD.match(original[i]):
            continue
        unknown += 1
        if unknown > 1 or i + 1 >= len(words) or not _noun_at(" ".join(words[i + 1 :])):
            return None
    return None


def _nearest(pattern: re.Pattern[str], sentence: str, start: int, end: int) -> int | None:
    """Distance in characters from the figure to the closest match of `pattern` in its sentence."""
    distances = [max(m.start() - end, start - m.end(), 0) for m in pattern.finditer(sentence)]
    return min(distances) if distances else None


# A comma between two digits is a thousands separator ("300,000"), not a clause break.
CLAUSE_BREAK = re.compile(
    r"(?<!\d),|,(?!\d)|[;:()]|\b(?:tandis\s+que|alors\s+que|while|whereas|but|mais)\b", re.IGNORECASE
)


def clause_bounds(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Where the clause around `sentence[start:end]` begins and ends (commas, semicolons, "while", "tandis que")."""
    lo = max((m.end() for m in CLAUSE_BREAK.finditer(sentence, 0, start)), default=0)
    after = CLAUSE_BREAK.search(sentence, end)
    return lo, after.start() if after else len(sentence)


def _clause(sentence: str, start: int, end: int) -> str:
    """The clause around a figure; the rest of the sentence is blanked, so offsets stay valid."""
    lo, hi = clause_bounds(sentence, start, end)
    return " " * lo + sentence[lo:hi] + " " * (len(sentence) - hi)


def _headcount_what(sentence: str, what: str, start: int, end: int) -> str:
    """Hires, resignations or layoffs: the closest verb in the figure's clause decides (else in its
    sentence), so that "une quarantaine ont été licenciés, tandis que 21 ont démissionné" gives one of each."""
    found: dict[str, int] = {}
    for text in (_clause(sentence, start, end), sentence):
        found = {
            label: distance
            for label, pattern in (("resignations", RESIGN), ("layoffs", LAYOFF), ("hires", HIRING))
            if (distance := _nearest(pattern, text, start, end)) is not None
        }
        if found:
            break
    if not found:
        return what
    closest = min(found, key=found.get)
    if closest != "hires":
        return closest
    if what in ("people", "recruits", "profiles", "technologists", "talents"):
        return f"hires ({what})" if what != "people" else "hires"
    return what


def _classify(q: Quantity, masked: str, sentence: str) -> dict[str, Any] | None:
    """Kind, unit and what of one quantity, or None when nothing says what it counts."""
    after = masked[q.end :]
    if REFERENCE_BEFORE.search(masked[max(0, q.start - 12) : q.start]):
        return None  # "top 10", "article 49", "Section 508", "n° 12": a rank or a reference, not a quantity
    if q.percent:
        return {"kind": "percent", "unit": "percent", "what": "percentage"}
    if q.currency:
        # pay of one person; millions paid out are a programme's money, whatever the verb
        amount = q.value if q.value is not None else q.max
        paid = SALARY.search(sentence) or q.period == "hour"
        kind = "salary" if paid and (amount or 0) < SALARY_CEILING.get(q.currency, 1_000_000) else "budget"
        typed = {"kind": kind, "unit": q.currency, "what": "salary" if kind == "salary" else "amount"}
        if kind == "salary" and not q.period:
            annual = ANNUAL.search(_clause(sentence, q.start, q.end))
            typed["period"] = ("year" if annual.group("year") else "month") if annual else None
        return typed
    duration = DURATION_AFTER.match(after)
    if duration and not duration.group("tail") and not NOT_A_DURATION_BEFORE.search(masked[: q.start]):
        unit = DURATION_UNITS[fold(duration.group("u"))]
        return {"kind": "duration", "unit": unit, "what": "duration", "_extend": duration.end()}
    if duration:
        return None  # "25 years old", "10 years ago"
    noun = _counted_noun(after)
    if noun:
        kind, unit, what = noun
        if unit in ("job", "position") and _headcount_what(sentence, "", q.start, q.end) == "layoffs":
            kind, unit = PEOPLE  # "cut 100 jobs", "supprimer 50 postes": people lose them
        if kind == "headcount":
            what = _headcount_what(sentence, what, q.start, q.end)
        elif unit == "company" and re.search(r"partenaire|partner|associ|join", fold(sentence)):
            what = "partner companies"
        return {"kind": kind, "unit": unit, "what": what}
    before = fold(masked[max(0, q.start - 40) : q.start])
    after_words = fold(after[:40])
    if re.search(r"(?:recrut\w*|embauch\w*|hire|hiring|recruit\w*)\s+(?:\w+\s+){0,2}$", before):
        return {"kind": "headcount", "unit": "person", "what": "hires"}
    if re.match(r"^\s+(?:\w+\s+){0,2}(?:ont\s+)?(?:demissionn|resign|quit)", after_words):
        return {"kind": "headcount", "unit": "person", "what": "resignations"}
    if re.search(r"(?:lay\s+off|laid\s+off|licenci\w*|fired|cut)\s+(?:\w+\s+){0,2}$", before) or re.match(
        r"^\s+(?:\w+\s+){0,3}(?:were\s+|ont\s+ete\s+)?(?:laid\s+off|licencie|fired)", after_words
    ):
        return {"kind": "headcount", "unit": "person", "what": "layoffs"}
    return None


RATE = re.compile(
    r"^[^.;:!?]*?\b(?:(?P<month>chaque\s+mois|par\s+mois|per\s+month|a\s+month|each\s+month|every\s+month)|"
    r"(?P<year>chaque\s+ann[ée]e|par\s+an|per\s+year|a\s+year|each\s+year|every\s+year))\b",
    re.IGNORECASE,
)


def _rate_period(after: str) -> str | None:
    """ "200 offres d'emploi chaque mois": a count per period, said after the counted noun."""
    m = RATE.match(after)
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


def _one_word_durations(sentence: str, masked: str, taken: list[tuple[int, int]]) -> list[dict[str, Any]]:
    figures = []
    for m in DURATION_WORD.finditer(masked):
        if any(not (m.end() <= a or m.start() >= b) for a, b in taken):
            continue
        if NOT_A_DURATION_BEFORE.search(masked[: m.start()]):
            continue
        unit = DURATION_UNITS[fold(m.group("u"))]
        value = words_to_number(m.group("n"), "fr" if m.group("n").lower() in ("un", "une") else "en") or 1.0
        figures.append(
            {"kind": "duration", "value": value, "min": None, "max": None, "unit": unit, "currency": None,
             "period": None, "what": "duration", "approx": False, "start": m.start(), "end": m.end()}
        )  # fmt: skip
    return figures


def figures_from_sentence(sentence: str, lang: str) -> list[dict[str, Any]]:
    """All figures in one sentence, with offsets relative to the sentence."""
    dates = find_dates(sentence)
    masked = mask(sentence, dates)
    figures: list[dict[str, Any]] = []
    for span in dates:
        if span.iso:
            figures.append(_date_figure(span))
    taken: list[tuple[int, int]] = []
    quantities = find_quantities(masked, lang)
    for i, q in enumerate(quantities):
        typed = _classify(q, masked, sentence)
        if q.change_to and i + 1 < len(quantities):
            # "de 120 à 568 collaborateurs": the earlier value counts what the later one does
            later = _classify(quantities[i + 1], masked, sentence)
            if later is not None:
                typed = {k: v for k, v in later.items() if k != "_extend"}
        if typed is None:
            continue
        end = q.end + typed.pop("_extend", 0)
        figure = {
            "kind": typed["kind"],
            "value": q.value,
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
            figure["period"] = _rate_period(masked[end : end + 60])
        figures.append(figure)
        taken.append((q.start, end))
    figures.extend(_one_word_durations(sentence, masked, taken))
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
