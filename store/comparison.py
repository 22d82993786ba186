"""The comparison table of initiatives (`talentwatch compare`): one row per profile (store.profiles), as a
Markdown report (a table, then its sources as footnotes), CSV or JSON. Text from the web is escaped as in
the exports (store.formats)."""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Callable
from typing import Any, TextIO

from store.formats import _cell, _md, _md_url
from store.profiles import Profile, Value

COMPARE_FORMATS = ("markdown", "csv", "json")
FIXED = (("initiative", "Initiative"), ("country", "Country"), ("kind", "Kind"), ("status", "Status"),
         ("launched", "Launched"))  # fmt: skip


def _value_text(value: Value | None) -> str:
    if value is None:
        return ""
    return f"{value.label} ({value.date})" if value.date else value.label


def _status_text(profile: Profile) -> str:
    if profile.status_event:
        return f"closed {profile.status_event['date']}"
    return profile.status


def write_compare_markdown(profiles: list[Profile], measures: list[dict[str, Any]], out: TextIO) -> int:
    """A table a team can paste into a document; each value carries a footnote naming its outlets and
    the article it was read in (every claim of a disputed value)."""
    notes: list[str] = []

    def noted(text: str, sources: list[tuple[str, str | None, str | None]]) -> str:
        if not text:
            return ""
        notes.append("; ".join(f"{_md(who)}{f' ({day})' if day else ''}{f' <{_md_url(url)}>' if url else ''}"
                               for who, url, day in sources))  # fmt: skip
        return f"{_md(text)} [^{len(notes)}]"

    header = [title for _, title in FIXED] + [m["title"] for m in measures] + ["Outlets", "Last reported"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for p in profiles:
        status = _status_text(p)
        if p.status_event:
            event = p.status_event
            status = noted(status, [(event["reported_by"] or "", event["url"], event["date"])])
        cells = [_md(p.initiative), _md(p.country), _md(p.kind), status or "", _md(p.launched)]
        for m in measures:
            value = p.measures.get(m["name"])
            text = _value_text(value)
            if m["name"] == "partners" and p.partner_names:
                text = (
                    f"{text}; named: {', '.join(p.partner_names)}" if text else f"named: {', '.join(p.partner_names)}"
                )
            if value is None:
                cells.append(_md(text))
            elif value.claims:
                cells.append(noted(text, [(c["reported_by"], c["url"], c["date"]) for c in value.claims]))
            else:
                cells.append(noted(text, [(value.reported_by, value.url, value.date)]))
        cells += [str(p.outlets), _md(p.last_reported)]
        lines.append("| " + " | ".join(cells) + " |")
    out.write("\n".join(lines) + "\n")
    if notes:
        out.write("\n" + "\n".join(f"[^{n}]: {note}" for n, note in enumerate(notes, 1)) + "\n")
    return len(profiles)


def write_compare_csv(profiles: list[Profile], measures: list[dict[str, Any]], out: TextIO) -> int:
    """One row per initiative: each measure's value, its date and its outlets (claims joined with " vs ")."""
    writer = csv.writer(out, lineterminator="\n")
    columns = [name for name, _ in FIXED] + ["parent"]
    for m in measures:
        columns += [m["name"], f"{m['name']}_date", f"{m['name']}_outlets"]
    writer.writerow([*columns, "partner_names", "outlets", "last_reported"])
    for p in profiles:
        row: list[Any] = [p.initiative, p.country, p.kind, _status_text(p), p.launched, p.parent]
        for m in measures:
            value = p.measures.get(m["name"])
            row += [value.label, value.date, value.reported_by] if value else ["", "", ""]
        row += ["; ".join(p.partner_names), p.outlets, p.last_reported]
        writer.writerow([_cell(v) for v in row])
    return len(profiles)


def write_compare_json(profiles: list[Profile], measures: list[dict[str, Any]], out: TextIO) -> int:
    """The profiles as one JSON array, every value with its fact id, date, age in days and claims."""
    json.dump([dataclasses.asdict(p) for p in profiles], out, ensure_ascii=False, indent=2)
    out.write("\n")
    return len(profiles)


def compare_writer(fmt: str) -> Callable[[list[Profile], list[dict[str, Any]], TextIO], int]:
    return {"markdown": write_compare_markdown, "csv": write_compare_csv, "json": write_compare_json}[fmt]
