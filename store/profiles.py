"""A profile per initiative, read from its facts and events: what it is, whether it still runs, and the
latest value of each measure it is compared on, with the outlets behind each value and how old it is.

A measure is the latest fact (by the date it is about, then its last report) of one figure kind counting
one of the listed things; a disputed fact keeps every claim. Nothing is filled from a looser match: a
measure without such a fact is None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlite_utils


@dataclass
class Value:
    """One cell: the fact behind it, its claims when outlets disagree, and where it was read."""

    fact_id: str
    label: str
    status: str  # single | agreed | disputed
    date: str | None
    age_days: int | None
    outlets: int
    reported_by: str
    url: str | None
    title: str | None
    claims: list[dict[str, Any]] = field(default_factory=list)  # label, reported_by, url: disputed facts only


@dataclass
class Profile:
    initiative: str
    initiative_id: str
    country: str | None
    kind: str | None
    parent: str | None
    launched: str | None
    status: str  # active | closed
    status_event: dict[str, Any] | None  # the closure event that says so (date, detail, url, reported_by)
    measures: dict[str, Value | None]
    partner_names: list[str]
    outlets: int
    last_reported: str | None


def _age(day: str | None, today: date) -> int | None:
    """Days since `day` (an ISO date, or a year-month or a year, taken at its first day)."""
    if not day:
        return None
    parts = [int(p) for p in day[:10].split("-")] + [1, 1]
    try:
        return (today - date(parts[0], parts[1], parts[2])).days
    except ValueError:
        return None


def _latest_fact(db: sqlite_utils.Database, initiative_id: str, measure: dict[str, Any], today: date) -> Value | None:
    whats = measure["what"]
    row = db.execute(
        "SELECT id, label, status, date, outlets, reported_by, url, title FROM facts"
        f" WHERE initiative_id = ? AND kind = ? AND what IN ({', '.join('?' * len(whats))})"
        " ORDER BY date DESC, last_reported DESC, outlets DESC, id LIMIT 1",
        [initiative_id, measure["kind"], *whats],
    ).fetchone()
    if row is None:
        return None
    fact_id, label, status, day, outlets, reported_by, url, title = row
    claims = []
    if status == "disputed":
        claims = [
            {"label": c[0], "reported_by": c[1], "url": c[2], "date": c[3]}
            for c in db.execute(
                "SELECT label, reported_by, url, first_reported FROM claims WHERE fact_id = ?"
                " ORDER BY first_reported, label",
                [fact_id],
            )
        ]
    return Value(fact_id, label, status, day, _age(day, today), outlets or 0, reported_by or "", url, title, claims)


def _event(db: sqlite_utils.Database, initiative_id: str, kind: str, newest: bool) -> dict[str, Any] | None:
    row = db.execute(
        "SELECT date, detail, url, reported_by FROM events WHERE initiative_id = ? AND type = ?"
        f" AND date IS NOT NULL ORDER BY date {'DESC' if newest else 'ASC'} LIMIT 1",
        [initiative_id, kind],
    ).fetchone()
    return dict(zip(("date", "detail", "url", "reported_by"), row, strict=True)) if row else None


def initiatives_with_facts(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(id, name) of every initiative that has a fact or an event, by name."""
    return [
        (r[0], r[1])
        for r in db.execute(
            "SELECT initiative_id, min(initiative) FROM (SELECT initiative_id, initiative FROM facts"
            " UNION ALL SELECT initiative_id, initiative FROM events) WHERE initiative_id IS NOT NULL"
            " GROUP BY initiative_id ORDER BY 2 COLLATE NOCASE"
        )
    ]


def initiative_profiles(
    db: sqlite_utils.Database,
    measures: list[dict[str, Any]],
    initiative_ids: list[str],
    *,
    parents: dict[str, str] | None = None,
    today: date | None = None,
) -> list[Profile]:
    """The profiles of `initiative_ids`, in that order. `measures` come from config/compare.yaml; `parents`
    maps an initiative's id to its parent body's name (the gazetteer's, which the database does not keep)."""
    today = today or date.today()
    profiles = []
    for initiative_id in initiative_ids:
        entity = db.execute("SELECT name, kind, country FROM entities WHERE id = ?", [initiative_id]).fetchone()
        named = db.execute(
            "SELECT initiative FROM facts WHERE initiative_id = ? UNION SELECT initiative FROM events"
            " WHERE initiative_id = ? LIMIT 1",
            [initiative_id, initiative_id],
        ).fetchone()
        name = (entity[0] if entity else None) or (named[0] if named else initiative_id)
        closure = _event(db, initiative_id, "closure", newest=True)
        launch = _event(db, initiative_id, "launch", newest=False)
        coverage = db.execute(
            "SELECT count(DISTINCT outlet) FROM articles WHERE initiative_id = ? AND relevant = 1"
            " AND duplicate_of IS NULL",
            [initiative_id],
        ).fetchone()[0]
        last = db.execute(
            "SELECT max(d) FROM (SELECT max(last_reported) AS d FROM facts WHERE initiative_id = ?"
            " UNION ALL SELECT max(last_reported) FROM events WHERE initiative_id = ?)",
            [initiative_id, initiative_id],
        ).fetchone()[0]
        partners = [
            r[0]
            for r in db.execute(
                "SELECT c.name FROM articles a JOIN mentions m ON m.article_id = a.id"
                " JOIN entities c ON c.id = m.entity_id AND c.kind = 'company'"
                " WHERE a.initiative_id = ? AND a.relevant = 1 AND a.duplicate_of IS NULL"
                " GROUP BY c.name ORDER BY count(DISTINCT a.id) DESC, c.name",
                [initiative_id],
            )
        ]
        profiles.append(
            Profile(
                initiative=name,
                initiative_id=initiative_id,
                country=entity[2] if entity else None,
                kind=entity[1] if entity else None,
                parent=(parents or {}).get(initiative_id),
                launched=launch["date"] if launch else None,
                status="closed" if closure else "active",
                status_event=closure,
                measures={m["name"]: _latest_fact(db, initiative_id, m, today) for m in measures},
                partner_names=partners,
                outlets=coverage,
                last_reported=last,
            )
        )
    return profiles
