"""A talentwatch database of N synthetic articles, shaped like years of hourly runs, built in one transaction.

    python -m bench.growth_db PATH ARTICLES

The schema is the real one (`store.open_db`: migrations, full-text search kept by its triggers, the
views), and the facts and events are built from the figures and event mentions by the real consolidation
(`store.facts.consolidate`), as `process` does. Articles are French or English, a few hundred words drawn from a small vocabulary, each about one
of nineteen initiatives of the gazetteer (a few much more covered than the rest, as in the news), with
about three figures, one event and three mentions; a twentieth initiative, NICHE_INITIATIVE, has the same
number of articles however large the table. `seq` and `first_seen` follow the order of storage as
`store.articles.save_article` assigns them; most articles are relevant originals, some are irrelevant or
syndicated copies. COMMON_TERM is in a share of the articles, RARE_TERM in a fixed number of them.

Rows go in with sqlite-utils `insert_all` (multi-row INSERTs) rather than `save_article`, whose per-article
transaction and copy lookups would make a 100k database take far longer to build than to measure.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from config import load_entities
from extract.figures import label
from extract.normalize import slug
from store import open_db
from store.db import stable_id
from store.facts import consolidate, mark_stale

INITIATIVES = (
    "US Tech Force", "United States Digital Service", "18F", "Presidential Innovation Fellows", "US Digital Corps",
    "Code for America", "Office of Personnel Management", "General Services Administration",
    "Government Digital Service", "Incubator for Artificial Intelligence", "Canadian Digital Service",
    "Tech4Germany", "Digital Transformation Agency", "GovTech Singapore", "Direction interministérielle du numérique",
    "Etalab", "Entrepreneurs d'intérêt général", "beta.gouv.fr", "FranceConnect",
)  # fmt: skip
# An initiative covered by a fixed number of articles however large the table grows (a programme that ran
# for a season, its articles a fortnight apart): its timeline should cost the same in a database ten times
# larger.
NICHE_INITIATIVE, NICHE_ARTICLES = "Programme TALENT", 40
COMPANIES = ("Microsoft", "Amazon", "Meta", "Adobe", "xAI", "Google", "Palantir", "OpenAI", "Capgemini", "Accenture")
# Search terms: one found in a share of all articles (what a user types first), one found in a fixed number
# of articles (a one-off story) however large the table grows.
COMMON_TERM, COMMON_SHARE = {"en": "hiring", "fr": "recrutement"}, 0.3
RARE_TERM, RARE_ARTICLES = "moratorium", 20
FILLER = {
    "en": (
        "the government digital team said program agency engineers designers data scientists public service "
        "federal technology talent fellowship cohort applications announced new year budget staff officials "
        "director according to report week project users platform modernisation cloud security contract "
        "partners companies private sector two years terms salary range positions open early career "
        "technologists administration office plan will would could more than about nearly across"
    ).split(),
    "fr": (
        "le gouvernement équipe numérique programme agence ingénieurs designers données fonction publique "
        "État technologie talents promotion candidatures annoncé nouvelle année budget agents responsables "
        "directeur selon rapport semaine projet usagers plateforme modernisation cloud sécurité marché "
        "partenaires entreprises secteur privé deux ans contrats salaire fourchette postes ouverts début "
        "de carrière profils administration ministère plan sera pourrait plus que environ près dans"
    ).split(),
}
FIGURE_KINDS = ("headcount", "headcount", "salary", "budget", "count", "duration", "date", "percent")
EVENT_TYPES = ("hiring", "launch", "resignation", "layoff", "budget", "partnership", "closure")
SOURCES = tuple(f"source-{i:03d}" for i in range(200))
WORDS_PER_ARTICLE = 250
START = datetime(2023, 1, 1, tzinfo=UTC)


def _entity_rows() -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The entities table (initiatives and companies, with their gazetteer kind and country), and name -> id."""
    known = {e.name: e for e in load_entities()[0]}
    rows = [
        {"id": slug(name), "name": name, "kind": known[name].kind, "country": known[name].country}
        for name in (*INITIATIVES, NICHE_INITIATIVE, *COMPANIES)
    ]  # fmt: skip
    return rows, {r["name"]: r["id"] for r in rows}


def _figure(rng: random.Random, article_id: str, n: int, subject: str | None, sentence: str, published: str | None):
    kind = rng.choice(FIGURE_KINDS)
    f: dict[str, Any] = {"kind": kind, "value": None, "min": None, "max": None, "unit": None, "currency": None,
                         "period": None, "what": None, "approx": int(rng.random() < 0.2), "iso": None}  # fmt: skip
    if kind == "headcount":
        f.update(value=float(rng.choice((21, 40, 50, 100, 250, 1000))), unit="person",
                 what=rng.choice(("hires", "fellows", "resignations", "layoffs", "staff")))  # fmt: skip
    elif kind == "salary":
        low = rng.choice((90_000, 130_000, 150_000))
        f.update(min=float(low), max=float(low + 65_000), unit="USD", currency="USD", period="year", what="salary")
    elif kind == "budget":
        f.update(value=float(rng.choice((5, 23, 100))) * 1e6, unit="EUR", currency="EUR", what="amount")
    elif kind == "count":
        f.update(value=float(rng.choice((12, 25, 30))), unit="company", what="partner companies")
    elif kind == "duration":
        f.update(value=float(rng.choice((2, 10, 18))), unit=rng.choice(("year", "month")), what="duration")
    elif kind == "date":
        day = datetime.fromisoformat(published) if published else START
        f.update(iso=(day + timedelta(days=rng.randint(-400, 200))).date().isoformat(), what="date")
    else:
        f.update(value=float(rng.randint(1, 60)), unit="percent", what="percentage")
    f["label"] = label(f)
    f["measure"] = f["what"] if kind != "date" else None
    start = 40 * n
    return {"id": stable_id("figure", article_id, start, start + 12, kind), "article_id": article_id, **f,
            "subject": subject, "initiative_id": slug(subject) if subject else None, "text": f["label"],
            "start": start, "end": start + 12, "sentence": sentence}  # fmt: skip


def _one_of_evenly_spread(seq: int, total: int, count: int) -> bool:
    """Whether article `seq` (1..total) is one of `count` articles spread evenly over the whole table."""
    return (seq * count) // total != ((seq - 1) * count) // total


def _article(rng: random.Random, seq: int, total: int, when: datetime, weights: list[float], earlier: list[str]):
    """One article with its figures, event and mentions."""
    lang = "fr" if rng.random() < 0.45 else "en"
    article_id = stable_id("bench-article", seq)
    niche = _one_of_evenly_spread(seq, total, NICHE_ARTICLES)
    if niche:  # drawn from a generator of its own: the same article, with the same facts, at any size
        rng = random.Random(f"niche-{seq * NICHE_ARTICLES // total}")
    main = NICHE_INITIATIVE if niche else rng.choices(INITIATIVES, weights)[0]
    others = rng.sample(INITIATIVES, 2)
    words = rng.choices(FILLER[lang], k=WORDS_PER_ARTICLE)
    words[rng.randrange(20, WORDS_PER_ARTICLE)] = main
    if rng.random() < COMMON_SHARE:
        words[rng.randrange(WORDS_PER_ARTICLE)] = COMMON_TERM[lang]
    if _one_of_evenly_spread(seq, total, RARE_ARTICLES):
        words[rng.randrange(WORDS_PER_ARTICLE)] = RARE_TERM
    sentences = [" ".join(words[i : i + 20]).capitalize() + "." for i in range(0, WORDS_PER_ARTICLE, 20)]
    published = None if rng.random() < 0.05 else (when - timedelta(hours=rng.randint(0, 72))).date().isoformat()
    if niche:  # a season's coverage, a fortnight apart, whatever the size of the table
        published = (START + timedelta(days=14 * (seq * NICHE_ARTICLES // total))).date().isoformat()
    first_seen = when.isoformat(timespec="seconds").replace("+00:00", "Z")
    copy = earlier and not niche and rng.random() < 0.03
    article = {
        "id": article_id, "page_id": article_id, "url": f"https://news{seq % 200}.example/{seq}",
        "source_id": SOURCES[seq % len(SOURCES)], "title": f"{main}: {' '.join(words[:8])}",
        "description": sentences[0], "text": "\n".join(sentences), "lang": lang, "published": published,
        "author": None, "sitename": f"News {seq % 200}", "outlet": f"News {seq % 200}", "initiative": main,
        "initiative_id": slug(main), "relevance": round(rng.uniform(0.5, 1.0), 2),
        "relevant": int(niche or rng.random() < 0.85), "content_hash": stable_id("hash", seq),
        "duplicate_of": rng.choice(earlier[-50:]) if copy else None, "extractor_version": "bench",
        "processed_at": first_seen, "simhash": f"{rng.getrandbits(64):016x}", "seq": seq, "first_seen": first_seen,
    }  # fmt: skip

    def subject() -> str | None:
        r = rng.random()
        return main if r < 0.7 else (rng.choice(others) if r < 0.9 else None)

    figures = [
        _figure(rng, article_id, n, subject(), rng.choice(sentences), published) for n in range(rng.randint(2, 4))
    ]
    events = [
        {"id": stable_id("event", article_id, n), "article_id": article_id, "type": rng.choice(EVENT_TYPES),
         "date": published, "subject": who, "initiative_id": slug(who) if who else None,
         "sentence": (sentence := rng.choice(sentences)), "detail": sentence}
        for n, who in ((n, subject()) for n in range(rng.choice((0, 1, 1, 1, 2))))
    ]  # fmt: skip
    named = {main, others[0], rng.choice(COMPANIES)}
    return article, figures, events, named


def build_database(path: str | Path, articles: int, *, seed: int = 7) -> dict[str, int]:
    """Create the database at `path` with `articles` articles; returns the row counts."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(INITIATIVES))]
    entity_rows, entity_ids = _entity_rows()
    db = open_db(path)
    db.execute("PRAGMA cache_size = -262144")  # 256 MB while building: the FTS index is written as it goes
    batch: dict[str, list[dict[str, Any]]] = {
        "pages": [], "articles": [], "figures": [], "event_mentions": [], "mentions": []
    }  # fmt: skip
    ids: list[str] = []
    # One hourly run after another: a handful of articles first stored in each.
    when = START

    def flush() -> None:
        for table, rows in batch.items():
            if rows:
                db[table].insert_all(rows, batch_size=500)
            rows.clear()

    with db.atomic():
        db["sources"].insert_all([{"id": s, "kind": "feed", "url": f"https://{s}.example/feed"} for s in SOURCES])
        db["entities"].insert_all(entity_rows)
        for seq in range(1, articles + 1):
            when += timedelta(minutes=rng.randint(1, 25))
            article, figures, events, named = _article(rng, seq, articles, when, weights, ids)
            ids.append(article["id"])
            # The raw page it came from, without its body (foreign keys are on; extraction is not measured here)
            batch["pages"].append(
                {"id": article["id"], "url": article["url"], "canonical_url": article["url"],
                 "source_id": article["source_id"], "via": "feed", "status": 200, "fetched_at": article["first_seen"],
                 "processed_version": "bench", "processed_at": article["first_seen"]}
            )  # fmt: skip
            batch["articles"].append(article)
            batch["figures"] += figures
            batch["event_mentions"] += events
            batch["mentions"] += [
                {"article_id": article["id"], "entity_id": entity_ids[name], "surface": f'["{name}"]',
                 "count": rng.randint(1, 5)}
                for name in named
            ]  # fmt: skip
            if len(batch["articles"]) >= 2000:
                flush()
        flush()
        mark_stale(db, "1 = 1", [])  # as save_article does for each article: `process` then consolidates
    consolidate(db)
    counts = {
        t: db[t].count for t in ("articles", "figures", "event_mentions", "mentions", "entities", "facts", "events")
    }
    db.close()
    return counts


if __name__ == "__main__":
    print(build_database(sys.argv[1], int(sys.argv[2])))
