"""The multi-outlet fixture (tests/fixtures/outlets/): several outlets reporting the same announcements, and
what they should consolidate into (facts.yaml). Shared by tests/test_facts.py and `make eval`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

OUTLETS = Path(__file__).resolve().parent / "fixtures" / "outlets"
# Columns that say when and in which order consolidation saw a fact, not what it is.
BOOKKEEPING = ("seq", "change", "found", "updated", "first_seq", "disputed_seq")


def outlet_pages() -> list[Path]:
    return sorted(OUTLETS.glob("*.html"))


def store_pages(db: Any, paths: list[Path]) -> None:
    """Store the pages as a crawl of one site would (`https://<outlet>.example/...`), one source for all."""
    from config.loader import Source
    from store.pages import save_page
    from store.sources import sync_sources

    sync_sources(db, [Source("outlets", "feed", "https://outlets.example/feed")])
    for i, path in enumerate(paths):
        url = f"https://{path.stem.split('-')[0]}.example/{path.name}"
        save_page(
            db,
            {"url": url, "canonical_url": url, "source_id": "outlets", "via": "feed", "status": 200,
             "content_type": "text/html", "body": path.read_bytes(), "fetched_at": f"2026-01-01T00:00:{i:02d}Z"},
        )  # fmt: skip


def build(db: Any, resources: Any, paths: list[Path] | None = None, *, workers: int = 1) -> dict[str, int]:
    """Store and process the fixture's pages (all of them, or `paths` in that order) into `db`."""
    from crawler.process import process_pages

    store_pages(db, outlet_pages() if paths is None else paths)
    return process_pages(db, resources, workers=workers)


def facts_of(db: Any) -> list[dict[str, Any]]:
    """Every fact with its claims, without the bookkeeping columns: what must not depend on the order."""
    facts = []
    for row in db.query("SELECT * FROM facts ORDER BY id"):
        for column in BOOKKEEPING:
            row.pop(column)
        row["claim_rows"] = list(db.query("SELECT * FROM claims WHERE fact_id = ? ORDER BY id", [row["id"]]))
        row["figures"] = [r[0] for r in db.execute("SELECT id FROM figures WHERE fact_id = ? ORDER BY id", [row["id"]])]
        facts.append(row)
    return facts


def _claim_value(row: dict[str, Any]) -> Any:
    return row["value"] if row["value"] is not None else [row["min"], row["max"]]


def _values(claims: list[Any]) -> list[tuple[Any, int]]:
    return sorted(((tuple(v) if isinstance(v, list) else v, n) for v, n in claims), key=repr)


@dataclass
class FactScore:
    """How the stored facts compare with facts.yaml."""

    expected: int = 0
    found: int = 0  # expected facts stored exactly (same claims, same outlets per claim)
    disputes_expected: int = 0
    disputes_found: int = 0
    duplicates: int = 0  # fact rows stating the same thing as another
    leaked: int = 0  # facts holding a value stated about someone else
    events_expected: int = 0
    events_found: int = 0
    misses: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"facts found {self.found}/{self.expected}, disputes {self.disputes_found}/{self.disputes_expected}, "
            f"duplicates {self.duplicates}, values about others {self.leaked}, "
            f"events {self.events_found}/{self.events_expected}"
        )


def score_facts(db: Any) -> FactScore:
    gold = yaml.safe_load((OUTLETS / "facts.yaml").read_text(encoding="utf-8"))
    stored = []
    for fact in db.query("SELECT * FROM facts"):
        claims = [
            (_claim_value(c), c["outlets"]) for c in db.query("SELECT * FROM claims WHERE fact_id = ?", [fact["id"]])
        ]
        stored.append({**fact, "values": _values([[list(v) if isinstance(v, list) else v, n] for v, n in claims])})
    s = FactScore(expected=len(gold["facts"]))
    for want in gold["facts"]:
        values = _values(want["claims"])
        disputed = len(values) > 1
        s.disputes_expected += disputed
        hit = any(
            f["initiative"] == want["initiative"] and f["kind"] == want["kind"] and f["what"] == want["what"]
            and f["values"] == values
            for f in stored
        )  # fmt: skip
        s.found += hit
        s.disputes_found += hit and disputed
        if not hit:
            s.misses.append(f"missed {want['initiative']} {want['kind']} {want['what']} {values}")
    keys = [(f["initiative"], f["kind"], f["what"], tuple(v for v, _ in f["values"])) for f in stored]
    s.duplicates = len(keys) - len(set(keys))
    others = set(gold["not_facts"])
    s.leaked = sum(1 for f in stored if any(v in others for v, _ in f["values"]))
    s.events_expected = len(gold["events"])
    for want in gold["events"]:
        hit = db.execute(
            "SELECT count(*) FROM events WHERE initiative = ? AND type = ? AND outlets >= ?",
            [want["initiative"], want["type"], want["outlets"]],
        ).fetchone()[0]
        s.events_found += bool(hit)
        if not hit:
            s.misses.append(f"missed event {want['initiative']} {want['type']} (>= {want['outlets']} outlets)")
    return s
