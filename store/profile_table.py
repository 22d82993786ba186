"""The profiles as tables Datasette shows: `profiles` (one row per initiative) and `profile_values` (one row
per initiative and measure with a fact), rebuilt by `process` after consolidation, in the same
transaction, so they always say what the facts say."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from store.profiles import initiative_profiles, initiatives_with_facts

# A term in months, whatever unit it was stated in: what the dashboard's chart puts side by side.
MONTHS_PER_UNIT = {"year": 12.0, "month": 1.0, "week": 12 / 52, "day": 12 / 365}


def _months(value: float | None, unit: str | None) -> float | None:
    if value is None or unit not in MONTHS_PER_UNIT:
        return None
    return round(value * MONTHS_PER_UNIT[unit], 2)


def save_profiles(db: sqlite_utils.Database, measures: list[dict[str, Any]], parents: dict[str, str]) -> int:
    """Replace both tables with the profiles of every initiative with facts; returns how many."""
    ids = [initiative_id for initiative_id, _ in initiatives_with_facts(db)]
    profiles = initiative_profiles(db, measures, ids, parents=parents)
    with db.atomic():
        db.execute("DELETE FROM profile_values")
        db.execute("DELETE FROM profiles")
        db.conn.executemany(
            "INSERT INTO profiles (initiative_id, initiative, country, kind, parent, launched, status, closed_on,"
            " closure_url, outlets, last_reported, partner_names) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (p.initiative_id, p.initiative, p.country, p.kind, p.parent, p.launched, p.status,
                 p.status_event["date"] if p.status_event else None,
                 p.status_event["url"] if p.status_event else None, p.outlets, p.last_reported,
                 ", ".join(p.partner_names) or None)
                for p in profiles
            ],
        )  # fmt: skip
        rows = []
        for p in profiles:
            for position, measure in enumerate(measures):
                value = p.measures[measure["name"]]
                if value is None:
                    continue
                number, unit = db.execute("SELECT value, unit FROM facts WHERE id = ?", [value.fact_id]).fetchone()
                rows.append(
                    (p.initiative_id, measure["name"], measure["title"], position, value.fact_id, value.label,
                     value.date, value.status, value.outlets, value.reported_by, value.url, number, unit,
                     _months(number, unit) if measure["kind"] == "duration" else None)
                )  # fmt: skip
        db.conn.executemany(
            "INSERT INTO profile_values (initiative_id, measure, title, position, fact_id, label, date, status,"
            " outlets, reported_by, url, value, unit, months) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return len(profiles)
