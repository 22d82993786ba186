"""Entities of one document: gazetteer matches canonicalised, statistical NER cleaned of its noise."""

from __future__ import annotations

import re
from typing import Any

from spacy.tokens import Doc

from extract.entity_forms import entities_by_form, listed_companies, people_by_title, quoted_names
from extract.nlp import Gazetteer, normalize_surface

# MISC (French model) and PRODUCT (English) name products, services and schemes: in these stories, mostly a
# government's platforms and programmes ("DossierFacile", "Mobilic", "PIX").
NER_KINDS = {
    "PERSON": "person", "PER": "person", "ORG": "org", "GPE": "place", "LOC": "place", "MISC": "program",
    "PRODUCT": "program",
}  # fmt: skip
# A name written as one word with inner capitals ("DossierFacile", "OpenClassrooms") is a product's or a
# firm's, whatever the model says; here it is taken for a programme unless the gazetteer knows better.
CAMEL_CASE = re.compile(r"(?<![\w.@/-])[A-Z][a-z]+(?:[A-Z][a-z]+)+(?![\w@/-])")
# Leading lower-case words the models glue to a name: "programme Fast", "ministre Amélie de Montchalin"
LEADING_LOWER = re.compile(r"^(?:[a-zàâçéèêëîïôûùü][\w’'-]*\s+)+(?=[A-ZÀÂÇÉÈÊÎÔÛ0-9])")
LEADING_ARTICLE = re.compile(r"^(?:l['’]|d['’]|la\s+|le\s+|les\s+|the\s+|du\s+|des\s+)", re.IGNORECASE)
ACRONYM = re.compile(r"^[A-Z][A-Z0-9&.]{1,7}$")
WORD = re.compile(r"\w+")
# Page furniture glued to a name by the models: "Laurence - Publié le ...", "Claire Morel | Rédaction"
FURNITURE = re.compile(r"\s+[-–—|]\s+.*$")
DANGLING = re.compile(r"\s+(?:de|du|des|d['’]|of|the|and|et)$", re.IGNORECASE)
# Sentence-first participles and infinitives ("Pilotée par ...", "Regroupés au sein de ...", "Accéder à ...")
# are capitalised only because they start the sentence; the small French model tags them as names.
VERB_FORM = {"fr": re.compile(r"(?:é|ée|és|ées|er|ir)$"), "en": re.compile(r"(?:ed|ing)$")}


def clean_surface(text: str) -> str:
    text = " ".join(text.split())
    text = LEADING_LOWER.sub("", text)
    text = LEADING_ARTICLE.sub("", text)
    text = FURNITURE.sub("", text)
    text = DANGLING.sub("", text)
    text = re.sub(r"['’]s$", "", text)  # "Martha Lane Fox's team"
    return text.strip(" .,;:!?«»\"'()[]")


def _common_word(ent: Any, surface: str, lowercase_words: set[str], text: str) -> bool:
    """A one-word name from the statistical model that is really a common word: the text also uses it in
    lower case ("Travail" and "travail"), or it starts its sentence with a verb's ending and never appears
    capitalised inside a sentence."""
    if " " in surface or ACRONYM.match(surface):
        return False
    if surface.casefold() in lowercase_words:
        return True
    doc = ent.doc
    verb_form = VERB_FORM.get(doc.lang_)
    if not (verb_form and verb_form.search(surface) and doc[ent.start].is_sent_start):
        return False
    return not re.search(rf"[^\s.!?]\s+{re.escape(surface)}\b", text)


# Words that may stand inside a product's or a scheme's name ("Contrat de Sécurisation Professionnelle")
NAME_CONNECTORS = {"de", "du", "des", "d", "la", "le", "les", "l", "et", "of", "the", "and", "for", "a", "à"}
MAX_PRODUCT_WORDS = 5
TRAILING_ELISION = re.compile(r"\s+\w{1,5}['’]$")  # "Galaxy A90 n’", "Programme d’"


def _looks_like_a_product(surface: str, text: str) -> bool:
    """Whether a MISC or PRODUCT span is a name rather than a phrase the model took for one: a short run of
    capitalised words (connectors allowed, one lower-case adjective at the end: "Transformation écologique"),
    and a single word only when the text also writes it capitalised inside a sentence ("Mobilic" in a list,
    not "Publié" or "Téléchargez" heading a line)."""
    words = re.findall(r"[\w’'.()-]+", surface)
    if not words or len(words) > MAX_PRODUCT_WORDS or any(ch in surface for ch in "()"):
        return False
    if len(words) == 1:
        word = words[0]
        if ACRONYM.match(word) or CAMEL_CASE.fullmatch(word):
            return True
        return bool(re.search(rf"[\w,;:]\s+{re.escape(word)}\b", text))
    inner = [w for w in words[:-1] if w.casefold().strip("’'") not in NAME_CONNECTORS]
    last = words[-1]
    if not all(w[0].isupper() or w[0].isdigit() for w in inner):
        return False
    return last[0].isupper() or last[0].isdigit() or len(words) <= 3


def _is_noise(name: str, gazetteer: Gazetteer) -> bool:
    if len(name) < 2 or normalize_surface(name) in gazetteer.ignore:
        return True
    if not name[0].isupper():
        return True  # "tech", "l'administration": common words the small models sometimes tag
    if not any(ch.isalpha() for ch in name):
        return True
    return len(name) > 80


def _initials(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[A-Za-zÀ-ÿ][\w’'-]*", name) if w[0].isupper())


def _add_by_form(text: str, lang: str, gazetteer: Gazetteer, found: dict, add) -> None:  # noqa: ANN001
    """Public bodies named by their form, and companies listed beside a known one, where nothing known or
    already found stands (extract/entity_forms.py)."""

    def spans(accept) -> list[tuple[int, int]]:  # noqa: ANN001
        return [span for e in found.values() if accept(e) for span in e["spans"]]

    def free(s: int, t: int, taken: list[tuple[int, int]]) -> bool:
        return all(t <= a or s >= b for a, b in taken)

    known = spans(lambda e: e["known"])
    for kind, surface, s, t in entities_by_form(text, lang, gazetteer.forms):
        name = clean_surface(surface)
        key = normalize_surface(name)
        if not name or key in gazetteer.by_surface or key in gazetteer.ignore:
            continue
        if free(s, t, known):
            add(name, kind, None, surface, (s, t))
            continue
        # a known body named at more length ("Instituto Nacional de Ciberseguridad de España"): one more
        # surface of the same entity
        longer = next((e for e in found.values() if e["known"] and any(a == s and b < t for a, b in e["spans"])), None)
        if longer is not None and all(b <= s or a >= t or s <= a < b <= t for a, b in known):  # may hold a place
            add(longer["name"], longer["kind"], longer["country"], surface, (s, t))
    cues = gazetteer.forms.get("program", {}).get(lang, {}).get("cues", [])
    for surface, s, t in quoted_names(text, cues):
        if normalize_surface(surface) not in gazetteer.by_surface and free(s, t, known):
            add(surface, "program", None, surface, (s, t))
    for surface, s, t in people_by_title(text, gazetteer.forms, lang):
        key = normalize_surface(surface)
        if key not in gazetteer.by_surface and key not in gazetteer.ignore and free(s, t, spans(lambda e: True)):
            add(surface, "person", None, surface, (s, t))
    taken = spans(lambda e: e["known"] or e["kind"] in ("person", "place", "agency"))
    for surface, s, t in listed_companies(text, spans(lambda e: e["kind"] == "company")):
        name = clean_surface(surface)
        if name and normalize_surface(name) not in gazetteer.by_surface and free(s, t, taken):
            if not _is_noise(name, gazetteer):
                add(name, "company", None, surface, (s, t))


def entities_from_doc(doc: Doc, gazetteer: Gazetteer, text: str | None = None) -> list[dict[str, Any]]:
    """One entry per canonical entity: name, kind, country, surfaces, mentions, and character spans.

    `text` is the doc's text when the caller has it: `doc.text` joins a Python object per token."""
    if text is None:
        text = doc.text
    found: dict[tuple[str, str], dict[str, Any]] = {}

    def add(name: str, kind: str, country: str | None, surface: str, span: tuple[int, int]) -> None:
        info = gazetteer.entities.get(name)
        entry = found.setdefault(
            (name, kind),
            {"name": name, "kind": kind, "country": country, "id": info["id"] if info else None,
             "known": info is not None, "initiative": bool(info and info["initiative"]), "surface": [],
             "mentions": 0, "spans": []},
        )  # fmt: skip
        if surface not in entry["surface"]:
            entry["surface"].append(surface)
        entry["mentions"] += 1
        entry["spans"].append(span)

    lowercase_words = {w for w in WORD.findall(text) if w.islower()}
    for ent in doc.ents:
        surface = clean_surface(ent.text)
        if "\n" in ent.text.strip() or not surface:
            continue
        span = (ent.start_char, ent.end_char)
        canonical = ent.ent_id_ or gazetteer.by_surface.get(normalize_surface(surface))
        if canonical:
            info = gazetteer.entities[canonical]
            add(canonical, info["kind"], info["country"], surface, span)
            continue
        kind = NER_KINDS.get(ent.label_)
        if kind == "program":
            surface = TRAILING_ELISION.sub("", surface)
            if not _looks_like_a_product(surface, text):
                continue
        if kind is None or _is_noise(surface, gazetteer) or _common_word(ent, surface, lowercase_words, text):
            continue
        add(surface, kind, None, surface, span)

    _add_by_form(text, doc.lang_, gazetteer, found, add)
    taken = [span for e in found.values() for span in e["spans"]]
    for m in CAMEL_CASE.finditer(text):
        s, t = m.span()
        if all(t <= a or s >= b for a, b in taken) and not _is_noise(m.group(), gazetteer):
            canonical = gazetteer.by_surface.get(normalize_surface(m.group()))
            info = gazetteer.entities.get(canonical) if canonical else None
            if info:
                add(canonical, info["kind"], info["country"], m.group(), (s, t))
            else:
                add(m.group(), "program", None, m.group(), (s, t))

    # An acronym the NER found on its own ("CDS") joins the expansion found in the same text.
    for key in [k for k in found if ACRONYM.match(k[0]) and k[0] not in gazetteer.entities]:
        acronym = key[0].replace(".", "")
        target = next((k for k in found if k != key and len(k[0].split()) > 1 and _initials(k[0]) == acronym), None)
        if target:
            entry = found.pop(key)
            merged = found[target]
            merged["surface"] += [s for s in entry["surface"] if s not in merged["surface"]]
            merged["mentions"] += entry["mentions"]
            merged["spans"] += entry["spans"]
    return sorted(found.values(), key=lambda e: (-e["mentions"], e["spans"][0][0]))
