"""Entities the gazetteer and the statistical models miss, found by their form (pure functions over text).

- Public bodies by their head noun and complement (head words in entities.yaml `forms`): "ministère de
  l'Éducation nationale", "Cour des comptes", "Department of Veterans Affairs", "Government Operations
  Agency"; in German, Spanish and Italian by the connectors, adjectives and compound suffixes their `forms`
  list: "Bundesamt für Seeschifffahrt und Hydrographie", "Bundesfinanzministerium", "Dirección General de
  Tráfico", "Agenzia delle Dogane".
- Companies listed beside a known one: "partners include Microsoft, Dell, Docusign and Snowflake".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

# Words that end a French complement: verbs, articles and prepositions that start the rest of the sentence.
FR_STOP = (
    "a ai as avait avaient ont est sont était étaient sera seront fut va vont doit doivent peut peuvent vient "
    "qui que quoi dont où et ou mais donc car ni or le la les un une des du de d au aux à par pour sur sous dans "
    "en avec sans chez selon depuis après avant entre vers se sa son ses leur leurs ce cet cette ces il elle "
    "ils elles on nous vous ne pas plus très aussi déjà encore ainsi comme lors afin"
).split()
EN_LEAD = {"The", "A", "An", "In", "At", "On", "By", "For", "Its", "Their", "This", "That", "Our", "Under", "New"}

# Spaces within a name never cross a line: a title line is not the start of the next paragraph's name.
_SP = r"[ \t\u00a0]+"
_CONNECT_FR = (
    rf"(?:{_SP}(?:de{_SP}la|du|des|de|aux|pour{_SP}les|chargée?{_SP}d[ue])\s|{_SP}(?:de{_SP}l|d|pour{_SP}l)['’])[ \t]*"
)
_CAPITAL_WORD = r"[A-ZÀÂÇÉÈÊÎÔÛ][\w’'-]*"
_LOWER_WORD = r"[a-zàâçéèêëîïôûùü][\w’'-]*"
# Adjectives that follow a common noun in the names of French public bodies ("Cour des comptes" stops where
# "des comptes publics" would go on); after a capitalised noun any adjective goes ("l'Éducation nationale").
FR_ADMINISTRATIVE = (
    "public publics publique publiques national nationale nationaux nationales général générale généraux "
    "générales numérique numériques fédéral fédérale fédéraux fédérales interministériel interministérielle "
    "régional régionale régionaux régionales territorial territoriale territoriales local locale locaux locales "
    "social sociale sociaux sociales européen européenne européens économique économiques financier financière "
    "financiers financières étranger étrangère étrangers étrangères supérieur supérieure spécialisé spécialisée "
    "spécialisés spécialisées"
).split()


FR_ADJECTIVE_ENDING = r"(?:ale|ales|aux|elle|elles|ique|iques|ienne|iennes|aire|aires|ive|ives|ée|ées|ère|ères|al|el|ien|if|é|és|ais|aise|ois|oise)"


def _adjective_fr(*, any_adjective: bool) -> str:
    if any_adjective:  # a word shaped like an adjective, not a verb ("la Ville de Marseille recrute")
        stop = "|".join(sorted(map(re.escape, FR_STOP), key=len, reverse=True))
        return rf"(?:{_SP}(?!(?:{stop})\b)[a-zàâçéèêëîïôûùü][\w-]*{FR_ADJECTIVE_ENDING}\b)"
    return rf"(?:{_SP}(?:{'|'.join(FR_ADMINISTRATIVE)})\b)"


def _head_alternation(words: Iterable[str], *, any_case: bool) -> str:
    parts = []
    for w in sorted(words, key=len, reverse=True):
        escaped = re.escape(w).replace(r"\ ", _SP)
        parts.append(f"[{w[0].upper()}{w[0].lower()}]{escaped[1:]}" if any_case else escaped)
    return "|".join(parts)


# A capitalised word in any Latin script language ("Función", "Ministerio", "Überwachung")
_CAPITAL_ANY = r"[A-ZÀ-ÖØ-Þ][\w’'-]*"
CONNECTED_LISTS = ("connectors", "conjunctions", "adjectives", "suffixes")
# A person's name: two or three capitalised words, each with lower-case letters ("Angela Merkel", "José
# Antonio García"); a particle may stand between ("Ursula von der Leyen", "Pedro de la Torre"). The particles
# of the analysed languages' names, not the words of one language: here rather than in a language file.
_GIVEN = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+(?:-[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+)?"
_PARTICLE = r"(?:von|van|de|del|della|di|da|der|la|le)"
PERSON_NAME = rf"{_GIVEN}(?:[ \t]+{_PARTICLE})*(?:[ \t]+{_GIVEN}){{1,2}}"


def _alternation(words: Iterable[str]) -> str:
    """Words or phrases, longest first, a blank for any run of spaces; an apostrophe either way."""
    escaped = (re.sub(r"['’]", "['’]", re.escape(w).replace(r"\ ", _SP)) for w in words)
    return "|".join(sorted(escaped, key=len, reverse=True))


def _connected(heads: Iterable[str], lists: dict[str, tuple[str, ...]]) -> re.Pattern[str]:
    """Bodies named the way German, Spanish and Italian name them: a head ("Ministerio", "Bundesamt"; or a
    compound ending in one of `suffixes`: "Bundesfinanzministerium"), adjectives of the language's list after
    it ("Instituto Nacional"), then complements each opened by connectors ("de la", "für", "dell'") and made
    of capitalised words: "Ministerio para la Transformación Digital y de la Función Pública", "Bundesamt für
    Sicherheit in der Informationstechnik"."""
    head = rf"(?i:{_alternation(heads)})"  # "Secretaría General", "secretaría general"
    suffixes = _alternation(lists["suffixes"]) if lists.get("suffixes") else "(?!x)x"
    # the suffix in any case: a hyphen may join it ("Govdata-Portal", "Corona-Warn-App")
    head += rf"|(?P<compound>[A-ZÀ-ÖØ-Þ][\w-]*?(?i:{suffixes})(?:es|s)?)"
    adjective = rf"(?:{_SP}(?i:{_alternation(lists['adjectives'])})\b)" if lists.get("adjectives") else "(?!x)x"
    connector = rf"(?i:{_alternation(lists.get('connectors', ()))})"
    # capitalised words, two of them joined by a conjunction ("de Sistemas y Tecnologías")
    joined = (
        rf"(?:{_SP}(?:{_alternation(lists['conjunctions'])}){_SP}{_CAPITAL_ANY})?" if lists.get("conjunctions") else ""
    )
    words = rf"{_CAPITAL_ANY}(?:{_SP}{_CAPITAL_ANY}){{0,3}}{joined}"
    complement = rf"(?:(?:{_SP}{connector})+(?:{_SP}|(?<=['’])){words})"
    return re.compile(
        rf"(?<![\w-])(?P<head>{head})(?!\w)(?P<adjectives>{adjective}{{0,2}})(?P<tail>{complement}{{0,3}})"
    )


@lru_cache(maxsize=8)
def _patterns(forms_key: tuple) -> list[tuple[str, str, re.Pattern[str], bool]]:
    """(kind, lang, pattern, strong) for each head list; `forms_key` is the frozen forms mapping."""
    patterns = []
    listed, any_adjective = _adjective_fr(any_adjective=False), _adjective_fr(any_adjective=True)
    complement = rf"(?:{_CAPITAL_WORD}{any_adjective}{{0,2}}|{_LOWER_WORD}{listed}{{0,2}})"
    lists = {(kind, lang, name): words for kind, lang, name, words in forms_key}
    for kind, lang, name, words in forms_key:
        if name in CONNECTED_LISTS:
            continue
        connected = {n: lists[kind, lang, n] for n in CONNECTED_LISTS if (kind, lang, n) in lists}
        if "connectors" in connected:
            patterns.append((kind, lang, _connected(words, connected), name == "strong"))
            continue
        if lang == "fr":
            pattern = re.compile(
                rf"(?<!\w)(?P<head>{_head_alternation(words, any_case=True)}){listed}{{0,2}}"
                rf"{_CONNECT_FR}(?P<tail>{complement}(?:{_SP}et{_CONNECT_FR}{complement})?)"
            )
        else:
            capital = r"[A-Z][\w&'’.-]*"
            pattern = re.compile(
                rf"(?P<pre>(?:{capital}{_SP}){{0,4}})(?P<head>\b(?:{_head_alternation(words, any_case=False)})\b)"
                rf"(?P<tail>{_SP}(?:of|for|on){_SP}(?:the{_SP})?{capital}(?:{_SP}(?:and{_SP}|&{_SP})?{capital}){{0,4}})?"
            )
        patterns.append((kind, lang, pattern, name == "strong"))
    return patterns


def _frozen(forms: dict) -> tuple:
    return tuple(
        (kind, lang, name, tuple(words))
        for kind, by_lang in sorted(forms.items())
        if kind != "person"  # people are found by their titles (people_by_title)
        for lang, lists in sorted(by_lang.items())
        for name, words in sorted(lists.items())
        if name != "cues"
    )


# A name in quotes: «Paroles d'agents», "Dites-le-nous une fois", “Tech for Good”. Short, capitalised, no
# sentence inside (no final stop, no colon).
QUOTED = re.compile(
    r"(?:«\s*(?P<a>[^«»\n.:!?]{2,60}?)\s*»|“(?P<b>[^“”\n.:!?]{2,60}?)”|\"(?P<c>[^\"\n.:!?]{2,60}?)\""
    r"|„(?P<d>[^„“”\n.:!?]{2,60}?)[“”]|»(?P<e>[^«»\n.:!?]{2,60}?)«)"  # German: „…“ and »…«
)
MAX_QUOTED_WORDS = 6
CUE_WINDOW = 40


@lru_cache(maxsize=8)
def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    alternation = "|".join(re.escape(c).replace(r"\ ", r"\s+") for c in sorted(cues, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)


def quoted_names(text: str, cues: Iterable[str]) -> list[tuple[str, int, int]]:
    """(surface, start, end) of the names given in quotes right after (or before) a word that introduces a
    programme: "la campagne « Paroles d'agents »", "the scheme, called “Tech for Good”"."""
    cues = tuple(cues)
    if not cues:
        return []
    cue = _cue_pattern(cues)
    found = []
    for m in QUOTED.finditer(text):
        group = next(g for g in ("a", "b", "c", "d", "e") if m.group(g))
        name = m.group(group).strip()
        if not name[:1].isupper() or len(name.split()) > MAX_QUOTED_WORDS:
            continue
        around = text[max(0, m.start() - CUE_WINDOW) : m.start()] + " " + text[m.end() : m.end() + 12]
        if cue.search(around):
            found.append((name, m.start(group), m.start(group) + len(name)))
    return found


def entities_by_form(text: str, lang: str, forms: dict) -> list[tuple[str, str, int, int]]:
    """(kind, surface, start, end) of the bodies named by their form in `text`, longest first where two
    overlap."""
    found: list[tuple[str, str, int, int]] = []
    for kind, pattern_lang, pattern, strong in _patterns(_frozen(forms)):
        if pattern_lang != lang:
            continue
        for m in pattern.finditer(text):
            start, end = m.start(), m.end()
            if "compound" in pattern.groupindex:
                # a complement, capitalised adjectives or a compound name it ("Digitalministerium"); a head
                # alone is a common noun ("das Amt", "la agencia", "el ministerio")
                capitalised = m.group("head")[0].isupper() and m.group("adjectives")
                if not (m.group("tail") or capitalised or m.group("compound")):
                    continue
            elif lang == "fr":
                capitalised = m.group("head")[0].isupper() or re.search(r"\b[A-ZÉÈÀ]", m.group("tail"))
                if not (strong or capitalised):
                    continue
            else:
                words = m.group("pre").split()
                while words and words[0] in EN_LEAD:
                    start += text[start:].index(words[0]) + len(words[0])
                    words = words[1:]
                while start < end and text[start].isspace():
                    start += 1
                if not words and not m.group("tail"):
                    continue  # "the Office", "Agency" alone: a common noun
            surface = text[start:end].rstrip(" ,.;:’'")
            found.append((kind, surface, start, start + len(surface)))
    found.sort(key=lambda f: (f[2], -(f[3] - f[2])))
    kept: list[tuple[str, str, int, int]] = []
    for f in found:
        if all(f[3] <= k[2] or f[2] >= k[3] for k in kept):
            kept.append(f)
    return kept


@lru_cache(maxsize=8)
def _title_pattern(titles: tuple[str, ...], suffixes: tuple[str, ...], connectors: tuple[str, ...]) -> re.Pattern[str]:
    title = rf"(?i:{_alternation(titles)})" if titles else "(?!x)x"
    if suffixes:  # German titles are compounds: "Digitalminister", "Staatssekretärin", "Kanzleramtschef"
        title += rf"|[A-ZÀ-ÖØ-Þ][\w-]*?(?:{_alternation(suffixes)})"
    # "ministro de Consumo, Alberto Garzón": the title's complement may come between
    connector = _alternation(connectors) if connectors else "(?!x)x"
    complement = rf"(?:[ \t]+(?:{connector})[ \t]+[\w'’]+(?:[ \t]+[A-ZÀ-ÖØ-Þ][\w'’]+)*)?,?"
    return re.compile(rf"(?<![\w-])(?:{title}){complement}[ \t]+(?P<name>{PERSON_NAME})(?![\w-])")


def people_by_title(text: str, forms: dict, lang: str) -> list[tuple[str, int, int]]:
    """(surface, start, end) of the people named after their title ("Kanzlerin Angela Merkel", "el ministro de
    Consumo, Alberto Garzón", "il commissario Diego Piacentini"), for the languages whose `forms.person`
    lists titles: where no statistical NER finds people."""
    lists = forms.get("person", {}).get(lang, {})
    if not lists.get("titles") and not lists.get("suffixes"):
        return []
    pattern = _title_pattern(*(tuple(lists.get(n, ())) for n in ("titles", "suffixes", "connectors")))
    return [(m.group("name"), m.start("name"), m.end("name")) for m in pattern.finditer(text)]


_NAME = rf"[A-Z][\w.&'’-]*(?:{_SP}[A-Z][\w.&'’-]*){{0,2}}"
_SEPARATOR = rf"(?:[ \t]*,{_SP}(?:and{_SP}|et{_SP}|or{_SP}|ou{_SP})?|{_SP}(?:and|et|or|ou|&){_SP})"
LIST_RUN = re.compile(rf"(?<![\w.]){_NAME}(?:{_SEPARATOR}{_NAME})+")
NAME = re.compile(_NAME)


def listed_companies(text: str, companies: list[tuple[int, int]]) -> list[tuple[str, int, int]]:
    """(surface, start, end) of the names listed with a known company ("Microsoft, Dell and Zoom"), given the
    spans of the companies already known in `text`."""
    found = []
    for run in LIST_RUN.finditer(text):
        if not any(run.start() <= s and t <= run.end() for s, t in companies):
            continue
        for name in NAME.finditer(text, run.start(), run.end()):
            s, t = name.span()
            if not any(s < b and t > a for a, b in companies):
                found.append((name.group(), s, t))
    return found
