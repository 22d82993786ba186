"""A short text summary of a database: counts and the newest facts and events of the timeline."""

from __future__ import annotations

import sqlite_utils


def database_summary(db: sqlite_utils.Database, newest: int = 8) -> str:
    counts = {
        "sources": db["sources"].count,
        "pages": db["pages"].count,
        "articles": db["articles"].count,
        "relevant articles": db.execute("SELECT count(*) FROM articles WHERE relevant = 1").fetchone()[0],
        "entities": db["entities"].count,
        "figures (mentions)": db["figures"].count,
        "facts": db["facts"].count,
        "disputed facts": db.execute("SELECT count(*) FROM facts WHERE status = 'disputed'").fetchone()[0],
        "events": db["events"].count,
    }
    lines = ["Database summary:"] + [f"  {name:<19} {value}" for name, value in counts.items()]
    rows = list(
        db.query(
            f"SELECT date, initiative, kind, detail, outlets FROM timeline WHERE item = 'fact' LIMIT {int(newest)}"
        )
    )
    lines.append(f"Newest facts ({len(rows)}):")
    for r in rows:
        outlets = f"{r['outlets']} outlet{'s' if r['outlets'] != 1 else ''}"
        lines.append(
            f"  {r['date'] or '?':<10}  {r['initiative'] or '-':<32}  {r['kind']:<10} {r['detail']}  [{outlets}]"
        )
    return "\n".join(lines)
