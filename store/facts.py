"""Consolidation: the figures and events found in articles (mentions) become facts, claims and events.

The rules (README, "Facts"):

- A fact is about one initiative (a gazetteer entity), one kind and one counted thing (the figure's
  `measure`: hires, staff, salary, partner companies...). The same value from any number of articles is one
  fact, with how many outlets and articles report it and when it was first and last reported;
  approximations agree with their value ("roughly 25" and "about 25").
- Different values from different outlets reported within the window (60 days by default) are one
  *disputed* fact whose claims are the values, unless one article states both (a change, or a series) or
  their reports state different years. Values further apart in time are different facts: a series.
- A figure whose noun only says who the people are ("1,000 technologists") takes the measure of the figures
  with the same value ("1,000 hires"); a salary without its period takes the period of the same range.
- An outlet is the article's site name, else its registered domain (`articles.outlet`).
- Events: the reports of one launch, layoff or resignation wave (same initiative and type, dates within the
  window of each other) are one event, dated by the date the texts give, else the earliest publication.

Only relevant originals count (not syndicated copies). The groups an article touches are marked stale in
the transaction that saves it (`mark_stale`) and rebuilt by `consolidate`, each group as a whole: the result
depends on what is stored, never on the order in which it was processed.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlite_utils

from store.db import stable_id
from store.pages import utcnow

DEFAULT_WINDOW_DAYS = 60
# Groups rebuilt per transaction: readers see a consistent state, and a kill loses at most one batch of work.
GROUPS_PER_TRANSACTION = 50

_STALE_SQL = (
    "INSERT OR IGNORE INTO stale_groups (item, initiative_id, kind)"
    " SELECT DISTINCT 'fact', initiative_id, kind FROM figures WHERE {where} AND initiative_id IS NOT NULL"
    " AND kind != 'date'"
    " UNION SELECT DISTINCT 'event', initiative_id, type FROM event_mentions WHERE {where}"
    " AND initiative_id IS NOT NULL"
)


def mark_stale(db: sqlite_utils.Database, where: str, params: list[Any]) -> None:
    """Mark the groups of the figures and event mentions matching `where` for consolidation (call it inside
    the transaction that changes them)."""
    db.execute(_STALE_SQL.format(where=where), [*params, *params])


def _stored_window(db: sqlite_utils.Database) -> int | None:
    """The window the stored facts were built with (None before the first consolidation)."""
    row = db.execute("SELECT value FROM consolidation WHERE key = 'window_days'").fetchone()
    return int(row[0]) if row else None


def needs_consolidation(db: sqlite_utils.Database, window_days: int) -> bool:
    """Whether `consolidate` has work: groups left stale (by an interrupted run), or another window."""
    stale = db.execute("SELECT count(*) FROM stale_groups").fetchone()[0]
    stored = _stored_window(db)
    return bool(stale) or (stored is not None and stored != window_days)


# -- the rules, on plain rows ---------------------------------------------------------------------------------


@dataclass
class Report:
    """One mention as consolidation sees it: a figure (or an event) with its article's outlet and date."""

    id: str
    article_id: str
    outlet: str
    reported: str  # the article's publication date, else the day it was first stored
    as_of: str | None  # the date the mention's own words state
    row: dict[str, Any]
    inferred: bool = False  # its measure or period comes from other reports of the same value
    day: date = field(init=False)  # of `reported`, parsed once: the dispute test compares it many times

    def __post_init__(self) -> None:
        self.day = _day(self.reported)
        if self.as_of and self.as_of.startswith("--"):
            # "le 19 octobre" (--10-19): the year of the report, the best guess for dating a fact or an event
            self.as_of = self.reported[:4] + self.as_of[1:]


def _day(iso: str) -> date:
    """An ISO date, month or year as a day ("2025" is 1 January 2025): precise enough for a window in days."""
    iso = iso[:10]
    return date.fromisoformat(iso + {4: "-01-01", 7: "-01"}.get(len(iso), ""))


def _number(x: Any) -> float | None:
    return None if x is None else round(float(x), 2)


def value_key(row: dict[str, Any]) -> tuple[float | None, float | None, float | None]:
    """What a claim states, whatever the wording: "about 25" and "roughly 25" are one value."""
    return _number(row.get("value")), _number(row.get("min")), _number(row.get("max"))


def _resolve(reports: list[Report], attribute: str) -> None:
    """Give a report that leaves `attribute` unsaid (None) the one value that reports of the same value and
    unit state, when they agree on one: "1,000 technologists" measures the same as "1,000 hires"."""
    said: dict[tuple, set[str]] = {}
    for r in reports:
        if r.row[attribute] is not None:
            said.setdefault((value_key(r.row), r.row["unit"]), set()).add(r.row[attribute])
    for r in reports:
        if r.row[attribute] is None:
            options = said.get((value_key(r.row), r.row["unit"]), set())
            if len(options) == 1:
                r.row[attribute] = next(iter(options))
                r.inferred = True


class _Components:
    """Union-find over claim keys."""

    def __init__(self, keys: Iterable[Any]):
        self.parent = {k: k for k in keys}

    def find(self, k: Any) -> Any:
        while self.parent[k] != k:
            self.parent[k] = self.parent[self.parent[k]]
            k = self.parent[k]
        return k

    def union(self, a: Any, b: Any) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb, key=repr)] = min(ra, rb, key=repr)

    def groups(self) -> list[list[Any]]:
        out: dict[Any, list[Any]] = {}
        for k in self.parent:
            out.setdefault(self.find(k), []).append(k)
        return list(out.values())


def _years_differ(a: Report, b: Report) -> bool:
    return bool(a.as_of and b.as_of and a.as_of[:4] != b.as_of[:4])


def _dispute(a: Claim, b: Claim, window: timedelta) -> bool:
    """Whether two values are claims about one thing: reported by different outlets, in different articles,
    within the window of each other, for the same year when both say which."""
    if a.article_ids & b.article_ids:
        return False  # one article states both: a change or a series, never a disagreement
    if len(a.outlet_set | b.outlet_set) == 1:
        return False
    b_sorted = b.by_day
    for ra in a.reports:
        for rb in b_sorted:
            if rb.day < ra.day - window:
                continue
            if rb.day > ra.day + window:
                break
            if ra.outlet != rb.outlet and not _years_differ(ra, rb):
                return True
    return False


@dataclass
class Claim:
    key: tuple
    reports: list[Report] = field(default_factory=list)

    @functools.cached_property
    def article_ids(self) -> set[str]:
        return {r.article_id for r in self.reports}

    @functools.cached_property
    def outlet_set(self) -> set[str]:
        return {r.outlet for r in self.reports}

    @functools.cached_property
    def by_day(self) -> list[Report]:
        return sorted(self.reports, key=lambda r: r.day)

    @property
    def outlets(self) -> list[str]:
        return sorted(self.outlet_set, key=str.casefold)

    @property
    def first(self) -> Report:
        return min(self.reports, key=lambda r: (r.reported, r.article_id, r.id))

    @property
    def first_reported(self) -> str:
        return self.first.reported

    @property
    def last_reported(self) -> str:
        return max(r.reported for r in self.reports)

    @property
    def approx(self) -> bool:
        return all(r.row["approx"] for r in self.reports)

    def label(self, what: str | None) -> str:
        """How the claim reads: the label most of its reports give, preferring those that say everything
        themselves (measure, period) and count `what` in those words."""
        counts = Counter(r.row["label"] for r in self.reports)
        best = {}
        for r in self.reports:
            rank = (r.inferred, r.row.get("what") != what, -counts[r.row["label"]], r.row["label"])
            best[r.row["label"]] = min(rank, best.get(r.row["label"], rank))
        return min(best, key=best.get)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def build_facts(rows: list[dict[str, Any]], window_days: int) -> list[dict[str, Any]]:
    """The facts (each with its claims and the ids of its figures) of one initiative and kind, from its
    figure rows (figure columns plus `outlet` and `reported`). Pure: the same rows give the same facts."""
    window = timedelta(days=window_days)
    reports = [
        Report(r["id"], r["article_id"], r["outlet"], r["reported"], r.get("as_of"), dict(r))
        for r in sorted(rows, key=lambda r: r["id"])
    ]
    _resolve(reports, "measure")
    _resolve(reports, "period")
    groups: dict[tuple, dict[tuple, Claim]] = {}
    for r in reports:
        group = (r.row["measure"], r.row["unit"], r.row["currency"], r.row["period"])
        claims = groups.setdefault(group, {})
        claims.setdefault(value_key(r.row), Claim(value_key(r.row))).reports.append(r)
    facts = []
    for (measure, unit, currency, period), claims in sorted(groups.items(), key=lambda g: repr(g[0])):
        keys = sorted(claims, key=repr)
        components = _Components(keys)
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                if components.find(a) != components.find(b) and _dispute(claims[a], claims[b], window):
                    components.union(a, b)
        for component in components.groups():
            members = sorted((claims[k] for k in component), key=lambda c: (c.first_reported, repr(c.key)))
            facts.append(_fact(members, measure, unit, currency, period))
    return facts


def _what(reports: list[Report], measure: str | None) -> str | None:
    if measure:
        return measure
    counts = Counter(r.row.get("what") for r in reports if r.row.get("what"))
    return min(counts, key=lambda w: (-counts[w], w)) if counts else None


def _fact(claims: list[Claim], measure: str | None, unit: str | None, currency: str | None, period: str | None):
    anchor = claims[0]
    reports = [r for c in claims for r in c.reports]
    first = min(reports, key=lambda r: (r.reported, r.article_id, r.id))
    sample = first.row
    initiative_id, kind = sample["initiative_id"], sample["kind"]
    what = _what(reports, measure)
    outlets = sorted({r.outlet for r in reports}, key=str.casefold)
    stated = Counter(r.as_of for r in reports if r.as_of)
    disputed = len(claims) > 1
    fact_id = stable_id("fact", initiative_id, kind, measure, unit, currency, period, anchor.key)
    labels = [c.label(what) for c in claims]
    if disputed:
        label = "disputed: " + " vs ".join(
            f"{text} ({_plural(len(c.outlets), 'outlet')})" for text, c in zip(labels, claims, strict=True)
        )
    else:
        label = labels[0]
    single = None if disputed else anchor
    return {
        "id": fact_id,
        "initiative": sample["subject"],
        "initiative_id": initiative_id,
        "kind": kind,
        "what": what,
        # a disputed fact has no one value: its claims have them (no silent pick)
        "value": single.key[0] if single else None,
        "min": single.key[1] if single else None,
        "max": single.key[2] if single else None,
        "unit": unit,
        "currency": currency,
        "period": period,
        "approx": int(single.approx) if single else int(any(c.approx for c in claims)),
        "status": "disputed" if disputed else ("agreed" if len(outlets) > 1 else "single"),
        "outlets": len(outlets),
        "articles": len({r.article_id for r in reports}),
        "claims": len(claims),
        "first_reported": first.reported,
        "last_reported": max(r.reported for r in reports),
        "date": min(stated, key=lambda d: (-stated[d], d)) if stated else first.reported,
        "label": label,
        "reported_by": "; ".join(outlets),
        "evidence": sample["sentence"],
        "url": sample["url"],
        "title": sample["title"],
        "claim_rows": [
            {
                "id": stable_id("claim", fact_id, c.key),
                "fact_id": fact_id,
                "value": c.key[0],
                "min": c.key[1],
                "max": c.key[2],
                "unit": unit,
                "period": period,
                "approx": int(c.approx),
                "outlets": len(c.outlets),
                "articles": len({r.article_id for r in c.reports}),
                "first_reported": c.first_reported,
                "last_reported": c.last_reported,
                "label": text,
                "reported_by": "; ".join(c.outlets),
                "evidence": c.first.row["sentence"],
                "url": c.first.row["url"],
            }
            for text, c in zip(labels, claims, strict=True)
        ],  # fmt: skip
        "figure_ids": [r.id for r in reports],
    }


def build_events(rows: list[dict[str, Any]], window_days: int) -> list[dict[str, Any]]:
    """The events of one initiative and type, from its event mention rows: the mentions whose dates lie
    within the window of each other (chained) are one event. Pure, like `build_facts`."""
    window = timedelta(days=window_days)
    reports = sorted(
        (Report(r["id"], r["article_id"], r["outlet"], r["reported"], r.get("as_of"), dict(r)) for r in rows),
        key=lambda r: (_day(r.as_of or r.reported), r.reported, r.article_id, r.id),
    )
    stories: list[list[Report]] = []
    for r in reports:
        if stories and _same_story(stories[-1][-1].as_of or stories[-1][-1].reported, r.as_of or r.reported, window):
            stories[-1].append(r)
        else:
            stories.append([r])
    return [_event(story) for story in stories]


def _same_story(a: str, b: str, window: timedelta) -> bool:
    """Two dates of an event, the later second: within the window, or the same year (month) when one of them
    gives only that ("launched in 2014" and a report of August 2014)."""
    precision = min(len(a[:10]), len(b[:10]))
    if precision < 10:
        return a[:precision] == b[:precision]
    return _day(b) - _day(a) <= window


def _event(story: list[Report]) -> dict[str, Any]:
    first = min(story, key=lambda r: (r.reported, r.article_id, r.id))
    stated = Counter(r.as_of for r in story if r.as_of)
    when = min(stated, key=lambda d: (-stated[d], d)) if stated else first.reported
    outlets = sorted({r.outlet for r in story}, key=str.casefold)
    row = first.row
    anchor = _day(story[0].as_of or story[0].reported).isoformat()
    return {
        "id": stable_id("event", row["initiative_id"], row["type"], anchor),
        "initiative": row["subject"],
        "initiative_id": row["initiative_id"],
        "type": row["type"],
        "date": when,
        "detail": row.get("detail") or row.get("title"),
        "outlets": len(outlets),
        "articles": len({r.article_id for r in story}),
        "first_reported": first.reported,
        "last_reported": max(r.reported for r in story),
        "reported_by": "; ".join(outlets),
        "sentence": row["sentence"],
        "url": row["url"],
        "title": row["title"],
        "mention_ids": [r.id for r in story],
    }


# -- the store's side ------------------------------------------------------------------------------------------

FACT_COLUMNS = (
    "id", "initiative", "initiative_id", "kind", "what", "value", "min", "max", "unit", "currency", "period",
    "approx", "status", "outlets", "articles", "claims", "first_reported", "last_reported", "date", "label",
    "reported_by", "evidence", "url", "title", "seq", "change", "found", "updated", "first_seq", "disputed_seq",
)  # fmt: skip
CLAIM_COLUMNS = (
    "id", "fact_id", "value", "min", "max", "unit", "period", "approx", "outlets", "articles", "first_reported",
    "last_reported", "label", "reported_by", "evidence", "url",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "initiative", "initiative_id", "type", "date", "detail", "outlets", "articles", "first_reported",
    "last_reported", "reported_by", "sentence", "url", "title", "seq", "change", "found", "updated", "first_seq",
)  # fmt: skip

# The reports of a group: relevant originals only. An outlet the article does not name is its source.
_REPORT_FROM = (
    " JOIN articles a ON a.id = m.article_id"
    " WHERE m.initiative_id = ? AND m.{kind} = ? AND a.relevant = 1 AND a.duplicate_of IS NULL"
)
_REPORT_COLUMNS = (
    "m.article_id, coalesce(a.outlet, a.source_id, '?') AS outlet,"
    " coalesce(a.published, substr(a.first_seen, 1, 10)) AS reported, a.url, a.title"
)


def _upsert(table: str, columns: tuple[str, ...]) -> str:
    quoted = ", ".join(f'"{c}"' for c in columns)
    updates = ", ".join(f'"{c}" = excluded."{c}"' for c in columns[1:])
    return (
        f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('?' * len(columns))})"
        f" ON CONFLICT(id) DO UPDATE SET {updates}"
    )


@dataclass
class _Batch:
    """One consolidation transaction: its time, and the export sequence numbers it gives. Numbers are shared
    by facts and events and never given twice (a fact that is deleted does not give its number back); the
    last one given is saved with the transaction."""

    now: str
    seq: int

    @classmethod
    def start(cls, db: sqlite_utils.Database) -> _Batch:
        row = db.execute("SELECT value FROM consolidation WHERE key = 'seq'").fetchone()
        return cls(utcnow(), int(row[0]) if row else 0)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def save(self, db: sqlite_utils.Database) -> None:
        db.execute("INSERT OR REPLACE INTO consolidation (key, value) VALUES ('seq', ?)", [str(self.seq)])


def _change(old: dict[str, Any] | None, new: dict[str, Any], keys: tuple[str, ...]) -> str | None:
    """What a reader is told about: a new item, a new outlet, or a fact that became disputed (or gained a
    claim). None when nothing they would notice changed."""
    if old is None:
        return "new"
    if "claims" in keys:
        became_disputed = new["status"] == "disputed" and old["status"] != "disputed"
        if became_disputed or new["claims"] > (old["claims"] or 0):
            return "disputed"
    if new["outlets"] > (old["outlets"] or 0):
        return "new outlet"
    return None


def _write(
    db: sqlite_utils.Database, table: str, columns: tuple[str, ...], keys: tuple[str, ...],
    previous: dict[str, dict[str, Any]], items: list[dict[str, Any]], batch: _Batch,
) -> dict[str, int]:  # fmt: skip
    counts = {"new": 0, "changed": 0}
    # first_seq and disputed_seq keep when the item was new and when it last became disputed, which `seq`
    # and `change` (its last change) forget: a consumer told before is told what changed since (export.py)
    kept = ("seq", "change", "found", "updated", "first_seq", *(("disputed_seq",) if "claims" in keys else ()))
    for item in items:
        old = previous.get(item["id"])
        change = _change(old, item, keys)
        if change is None:
            item.update({k: old[k] for k in kept})
            continue
        seq = batch.next_seq()
        item.update(seq=seq, change=change, found=old["found"] if old else batch.now, updated=batch.now)
        item["first_seq"] = seq if old is None else old["first_seq"]
        if "claims" in keys:
            item["disputed_seq"] = seq if change == "disputed" else (old or {}).get("disputed_seq") or 0
        counts["new" if change == "new" else "changed"] += 1
    db.conn.executemany(_upsert(table, columns), [tuple(i[c] for c in columns) for i in items])
    return counts


def _point(
    db: sqlite_utils.Database, table: str, column: str, initiative_id: str, kind: tuple[str, str], wanted: dict
) -> None:
    """Point each mention of a group at its fact or event (`wanted`: mention id -> id), and the group's other
    mentions (of irrelevant articles, of copies) at nothing. Only the rows that change are written: a group
    of thousands of mentions gains a few at a time."""
    current = dict(
        db.execute(
            f"SELECT id, {column} FROM {table} WHERE initiative_id = ? AND {kind[0]} = ?", [initiative_id, kind[1]]
        ).fetchall()
    )
    changes = [(wanted.get(i), i) for i, now in current.items() if wanted.get(i) != now]
    db.conn.executemany(f"UPDATE {table} SET {column} = ? WHERE id = ?", changes)


def _delete_gone(db: sqlite_utils.Database, table: str, previous: dict, items: list[dict[str, Any]]) -> int:
    """Delete the group's rows that its rebuild no longer gives (once no mention points to them)."""
    gone = set(previous) - {i["id"] for i in items}
    if gone:
        db.execute(f"DELETE FROM {table} WHERE id IN ({','.join('?' * len(gone))})", list(gone))
    return len(gone)


def _rebuild_facts(db: sqlite_utils.Database, initiative_id: str, kind: str, window_days: int, batch: _Batch) -> dict:
    rows = list(
        db.query(
            "SELECT m.id, m.kind, m.value, m.min, m.max, m.unit, m.currency, m.period, m.what, m.measure, m.approx,"
            f" m.as_of, m.subject, m.initiative_id, m.label, m.sentence, {_REPORT_COLUMNS}"
            f" FROM figures m{_REPORT_FROM.format(kind='kind')}",
            [initiative_id, kind],
        )
    )
    facts = build_facts(rows, window_days)
    previous = {
        r["id"]: r
        for r in db.query(
            "SELECT id, outlets, status, claims, seq, change, found, updated, first_seq, disputed_seq FROM facts"
            " WHERE initiative_id = ? AND kind = ?",
            [initiative_id, kind],
        )
    }
    if previous:
        marks = ",".join("?" * len(previous))
        db.execute(f"DELETE FROM claims WHERE fact_id IN ({marks})", list(previous))
    counts = _write(db, "facts", FACT_COLUMNS, ("claims",), previous, facts, batch)
    db.conn.executemany(
        _upsert("claims", CLAIM_COLUMNS), [tuple(c[k] for k in CLAIM_COLUMNS) for f in facts for c in f["claim_rows"]]
    )
    _point(
        db, "figures", "fact_id", initiative_id, ("kind", kind), {i: f["id"] for f in facts for i in f["figure_ids"]}
    )
    return {**counts, "removed": _delete_gone(db, "facts", previous, facts)}


def _rebuild_events(db: sqlite_utils.Database, initiative_id: str, kind: str, window_days: int, batch: _Batch) -> dict:
    rows = list(
        db.query(
            f"SELECT m.id, m.type, m.as_of, m.subject, m.initiative_id, m.detail, m.sentence, {_REPORT_COLUMNS}"
            f" FROM event_mentions m{_REPORT_FROM.format(kind='type')}",
            [initiative_id, kind],
        )
    )
    events = build_events(rows, window_days)
    previous = {
        r["id"]: r
        for r in db.query(
            "SELECT id, outlets, seq, change, found, updated, first_seq FROM events WHERE initiative_id = ? AND type = ?",
            [initiative_id, kind],
        )
    }
    counts = _write(db, "events", EVENT_COLUMNS, (), previous, events, batch)
    _point(db, "event_mentions", "event_id", initiative_id, ("type", kind),
           {i: e["id"] for e in events for i in e["mention_ids"]})  # fmt: skip
    return {**counts, "removed": _delete_gone(db, "events", previous, events)}


def _mark_everything_stale(db: sqlite_utils.Database) -> None:
    mark_stale(db, "1 = 1", [])
    db.execute(
        "INSERT OR IGNORE INTO stale_groups SELECT 'fact', initiative_id, kind FROM facts"
        " UNION SELECT 'event', initiative_id, type FROM events"
    )


def consolidate(
    db: sqlite_utils.Database,
    *,
    window_days: int = DEFAULT_WINDOW_DAYS,
    rebuild: bool = False,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Rebuild the facts and events of every stale group (all of them with `rebuild`, or when the window
    differs from the one the stored facts were built with). Returns what changed."""
    with db.atomic():
        stored = _stored_window(db)
        if rebuild or (stored is not None and stored != window_days):
            _mark_everything_stale(db)
        db.execute("INSERT OR REPLACE INTO consolidation (key, value) VALUES ('window_days', ?)", [str(window_days)])
    groups = [tuple(r) for r in db.execute("SELECT item, initiative_id, kind FROM stale_groups ORDER BY 1, 2, 3")]
    stats = {"groups": 0, "facts_new": 0, "facts_changed": 0, "events_new": 0, "events_changed": 0}
    for start in range(0, len(groups), GROUPS_PER_TRANSACTION):
        chunk = groups[start : start + GROUPS_PER_TRANSACTION]
        with db.atomic():
            batch = _Batch.start(db)
            for item, initiative_id, kind in chunk:
                rebuild_group = _rebuild_facts if item == "fact" else _rebuild_events
                counts = rebuild_group(db, initiative_id, kind, window_days, batch)
                stats[f"{item}s_new"] += counts["new"]
                stats[f"{item}s_changed"] += counts["changed"]
                db.execute(
                    "DELETE FROM stale_groups WHERE item = ? AND initiative_id = ? AND kind = ?",
                    [item, initiative_id, kind],
                )
            batch.save(db)
        stats["groups"] += len(chunk)
        if progress:
            progress(len(chunk))
    return stats
