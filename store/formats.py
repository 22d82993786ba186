"""Export formats: JSON lines, CSV, Atom and a Markdown digest, of articles or of facts, to a text stream.

Every writer takes the exported articles (see `store.export.iter_articles`) or facts and events
(`store.export.iter_facts`, the `write_facts_*` writers) and returns how many it wrote. Text from the web is treated as hostile: CSV cells cannot start a spreadsheet formula, Markdown
is escaped, Atom is built by feedgen (which escapes XML).
"""

from __future__ import annotations

import csv
import html
import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

from store.clean import cleaned

FORMATS = ("jsonl", "csv", "atom", "markdown")

CSV_COLUMNS = (
    "seq", "id", "published", "first_seen", "source_id", "lang", "relevance", "initiative", "title", "url",
    "figures", "entities",
)  # fmt: skip
# A cell starting with one of these is a formula to Excel or LibreOffice (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def write_jsonl(items: Iterable[dict[str, Any]], out: TextIO) -> int:
    n = 0
    for item in items:
        out.write(json.dumps(item, ensure_ascii=False) + "\n")
        n += 1
    return n


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def write_csv(items: Iterable[dict[str, Any]], out: TextIO) -> int:
    """One row per article; its figures and entities joined with "; "."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    n = 0
    for item in items:
        row = {
            **item,
            "figures": "; ".join(f["label"] or f["text"] or "" for f in item["figures"]),
            "entities": "; ".join(e["name"] for e in item["entities"]),
        }
        writer.writerow([_cell(row.get(c)) for c in CSV_COLUMNS])
        n += 1
    return n


def _moment(value: str | None) -> datetime:
    """An ISO date or timestamp as an aware datetime (Atom dates need a time and a zone); now when there is
    none or it does not read as one."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if value else datetime.now(UTC)
    except ValueError:
        return datetime.now(UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _xml_safe(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items with every string cleaned as the store cleans what it saves: a database written before
    that (or by hand) must not make every Atom export fail, since XML cannot carry control characters."""
    return [cleaned(item) for item in items]


def _entry_html(item: dict[str, Any]) -> str:
    parts = [f"<p>{html.escape(item['source_id'] or '')} · {html.escape(item['lang'] or '')}</p>"]
    if item["figures"]:
        parts.append("<ul>")
        for f in item["figures"]:
            label = html.escape(f["label"] or f["text"] or "")
            subject = f" ({html.escape(f['subject'])})" if f.get("subject") else ""
            parts.append(f"<li><b>{label}</b>{subject}: “{html.escape(f['sentence'] or '')}”</li>")
        parts.append("</ul>")
    return "".join(parts)


def _atom_feed(feed_id: str, title: str):  # noqa: ANN202 - a feedgen FeedGenerator
    """The feed both Atom exports (articles, facts) start from: its id, title, author and generator."""
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.author({"name": "talentwatch"})
    feed.link(href="https://github.com/talentwatch/talentwatch", rel="alternate")
    feed.generator("talentwatch")
    return feed


def write_atom(items: Iterable[dict[str, Any]], out: TextIO, *, feed_id: str, title: str) -> int:
    """An Atom 1.0 feed, one entry per article, with its figures as the entry's content."""
    feed = _atom_feed(feed_id, title)
    entries = _xml_safe(items)
    newest = max((_moment(i["first_seen"]) for i in entries), default=datetime.now(UTC))
    feed.updated(newest)
    for item in entries:
        entry = feed.add_entry(order="append")
        entry.id(f"urn:talentwatch:article:{item['id']}")
        entry.title(item["title"] or item["url"])
        entry.link(href=item["url"], rel="alternate")
        entry.updated(_moment(item["first_seen"]))
        if item["published"]:
            entry.published(_moment(item["published"]))
        entry.author({"name": item["source_id"] or "unknown"})
        for name in sorted({f["kind"] for f in item["figures"]}):
            entry.category(term=name)
        entry.content(_entry_html(item), type="html")
    out.write(feed.atom_str(pretty=True).decode("utf-8"))
    return len(entries)


def _md_url(url: str) -> str:
    """A URL inside <...>: the characters that would end it or the line are percent-encoded."""
    return url.replace("<", "%3C").replace(">", "%3E").replace(" ", "%20").replace("\n", "%0A")


def _md(text: str | None) -> str:
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join((text or "").split()))


def write_markdown(items: Iterable[dict[str, Any]], out: TextIO) -> int:
    """A digest grouped by initiative, each article with its figures and their evidence. Nothing at all
    when there is nothing new, so that `[ -s digest.md ]` tells whether to send it."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(item["initiative"] or "Other", []).append(item)
    n = sum(len(g) for g in groups.values())
    if not n:
        return 0
    out.write(f"# talentwatch digest: {n} new article{'s' if n > 1 else ''}\n")
    for initiative in sorted(groups, key=lambda g: (g == "Other", g.casefold())):
        out.write(f"\n## {_md(initiative)}\n")
        for item in groups[initiative]:
            when = (item["published"] or item["first_seen"] or "")[:10]
            out.write(f"\n### [{_md(item['title'] or item['url'])}](<{_md_url(item['url'])}>)\n\n")
            out.write(f"*{_md(item['source_id'])} · {when} · {item['lang'] or '?'}*\n\n")
            for f in item["figures"]:
                subject = f" ({_md(f['subject'])})" if f.get("subject") and f["subject"] != initiative else ""
                out.write(f"- **{_md(f['label'] or f['text'])}**{subject}: “{_md(f['sentence'])}”\n")
            if not item["figures"]:
                out.write("- no figures\n")
    return n


# -- facts and events (`talentwatch export --facts`) ------------------------------------------------------------

FACT_CSV_COLUMNS = (
    "seq", "item", "change", "id", "date", "initiative", "kind", "what", "label", "status", "value", "min", "max",
    "unit", "period", "outlets", "reported_by", "first_reported", "last_reported", "claims", "url",
)  # fmt: skip
CHANGES = {"new": "new", "new outlet": "new outlet", "disputed": "now disputed"}


def _claims_text(item: dict[str, Any]) -> str:
    return "; ".join(f"{c['label']} ({', '.join(c['reported_by'])})" for c in item.get("claims") or [])


def write_facts_csv(items: Iterable[dict[str, Any]], out: TextIO) -> int:
    """One row per fact or event; outlets joined with "; ", a disputed fact's claims in `claims`."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FACT_CSV_COLUMNS)
    n = 0
    for item in items:
        row = {**item, "reported_by": "; ".join(item["reported_by"]), "claims": _claims_text(item)}
        writer.writerow([_cell(row.get(c)) for c in FACT_CSV_COLUMNS])
        n += 1
    return n


def _fact_title(item: dict[str, Any]) -> str:
    what = f" {item['kind']}" if item["item"] == "event" else ""
    return f"{item['initiative']}:{what} {item['label']}"


def _fact_html(item: dict[str, Any]) -> str:
    outlets = ", ".join(html.escape(o) for o in item["reported_by"])
    parts = [
        f"<p>{html.escape(item['item'])} · {html.escape(item['kind'])} · {html.escape(item['status'])} · "
        f"{item['outlets']} outlet(s): {outlets} · first reported {html.escape(item['first_reported'] or '?')}</p>"
    ]
    if item.get("claims") and len(item["claims"]) > 1:
        parts.append("<ul>")
        for c in item["claims"]:
            who = ", ".join(html.escape(o) for o in c["reported_by"])
            parts.append(f"<li><b>{html.escape(c['label'])}</b>: {who} (“{html.escape(c['evidence'] or '')}”)</li>")
        parts.append("</ul>")
    elif item.get("evidence"):
        parts.append(f"<p>“{html.escape(item['evidence'])}”</p>")
    return "".join(parts)


def write_facts_atom(items: Iterable[dict[str, Any]], out: TextIO, *, feed_id: str, title: str) -> int:
    """An Atom 1.0 feed, one entry per fact or event; a changed fact keeps its entry id, with a new date."""
    feed = _atom_feed(feed_id, title)
    entries = _xml_safe(items)
    feed.updated(max((_moment(i["updated"]) for i in entries), default=datetime.now(UTC)))
    for item in entries:
        entry = feed.add_entry(order="append")
        entry.id(f"urn:talentwatch:{item['item']}:{item['id']}")
        entry.title(_fact_title(item))
        if item.get("url"):
            entry.link(href=item["url"], rel="alternate")
        entry.updated(_moment(item["updated"]))
        entry.category(term=item["kind"])
        entry.content(_fact_html(item), type="html")
    out.write(feed.atom_str(pretty=True).decode("utf-8"))
    return len(entries)


def digest_title(n: int) -> str:
    return f"talentwatch digest: {n} new or changed {'fact or event' if n == 1 else 'facts and events'}"


def write_facts_markdown(items: Iterable[dict[str, Any]], out: TextIO, *, heading: bool = True) -> int:
    """A digest grouped by initiative: each fact with its outlets and first report, a disputed one with every
    claim, then the events. Nothing at all when there is nothing new. Without `heading`, no title line (an
    alert carries it as its subject)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        groups.setdefault(item["initiative"] or "Other", []).append(item)
    n = sum(len(g) for g in groups.values())
    if not n:
        return 0
    if heading:
        out.write(f"# {digest_title(n)}\n\n")
    for number, initiative in enumerate(sorted(groups, key=lambda g: g.casefold())):
        out.write(f"{chr(10) if number else ''}## {_md(initiative)}\n\n")
        for item in sorted(groups[initiative], key=lambda i: (i["item"] != "fact", i["date"] or "", i["seq"])):
            change = CHANGES.get(item["change"] or "", "")
            tag = f" *({change})*" if change else ""
            link = f" [source](<{_md_url(item['url'])}>)" if item.get("url") else ""
            who = ", ".join(_md(o) for o in item["reported_by"])
            if item["item"] == "event":
                out.write(f"- {_md(item['date'] or '?')} **{_md(item['kind'])}**: {_md(item['label'])}{tag}:"
                          f" {item['outlets']} outlet(s), {who}{link}\n")  # fmt: skip
                continue
            if item["status"] == "disputed":
                what = f", {_md(item['what'])}" if item["what"] and item["what"] != item["kind"] else ""
                out.write(f"- **{_md(item['kind'])}{what}: disputed**{tag}\n")
                for c in item["claims"]:
                    cwho = ", ".join(_md(o) for o in c["reported_by"])
                    clink = f" [source](<{_md_url(c['url'])}>)" if c.get("url") else ""
                    out.write(f"  - **{_md(c['label'])}**: {cwho}, first reported {c['first_reported']}{clink}\n")
                continue
            out.write(f"- **{_md(item['label'])}** ({_md(item['kind'])}){tag}: {item['outlets']} outlet(s), {who};"
                      f" first reported {item['first_reported']}{link}\n")  # fmt: skip
    return n


def writer(fmt: str, *, facts: bool, feed_id: str, title: str) -> Callable[[Iterable[dict[str, Any]], TextIO], int]:
    """The writer of one format, for articles or (with `facts`) facts and events; Atom gets its feed's id."""
    if fmt == "jsonl":
        return write_jsonl
    if fmt == "atom":
        atom = write_facts_atom if facts else write_atom
        return lambda items, out: atom(items, out, feed_id=feed_id, title=title)
    return {("csv", False): write_csv, ("csv", True): write_facts_csv,
            ("markdown", False): write_markdown, ("markdown", True): write_facts_markdown}[fmt, facts]  # fmt: skip
