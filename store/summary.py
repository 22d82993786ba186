"""A short text summary of a database: counts and the newest timeline rows."""

from __future__ import annotations

import sqlite_utils


def database_summary(db: sqlite_utils.Database, newest: int = 5) -> str:
    counts = {
        "sources": db["sources"].count,
        "pages": db["pages"].count,
        "articles": db["articles"].count,
        "relevant articles": db.execute("SELECT count(*) FROM articles WHERE relevant = 1").fetchone()[0],
        "entities": db["entities"].count,
        "figures": db["figures"].count,
        "events": db["events"].count,
    }
    lines = ["Database summary:"] + [f"  {name:<18} {value}" for name, value in counts.items()]
    rows = list(db.query(f"SELECT date, initiative, kind, detail, source_id FROM timeline LIMIT {int(newest)}"))
    lines.append(f"Newest timeline rows ({len(rows)}):")
    for r in rows:
        lines.append(
            f"  {r['date'] or '?':<10}  {r['initiative'] or '-':<32}  {r['kind']:<10} {r['detail'] or ''}  [{r['source_id']}]"
        )
    return "\n".join(lines)
