"""Alerts: tell each watch what is new, one digest per watch and target per run, delivered by apprise.

For each target of a watch, the facts and events that changed since the target's cursor and match the
watch (initiatives or countries, kinds, kinds of change) become one Markdown digest (the one `export
--facts --format markdown` writes); apprise turns it into a mail, a chat message or a JSON post. The
target's cursor moves only when apprise says the message went through, so a target that was down gets
everything it missed on the next run, and the others get nothing twice (store/watches.py).

Nothing here shows a notification URL with its secrets: targets are named by apprise's privacy form, and
what apprise logs while sending is kept from the log and cleaned of the URL's secrets before it is stored.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from config import ConfigError, Entity, Watch, canonical_name
from config.watches import Target
from store import export as store_export
from store import watches as store_watches
from store.formats import digest_title, write_facts_markdown

# How long a `notify` waits for another one on the same database (cron overlapping a manual run) before
# it refuses: two at once would send the same digest twice.
NOTIFY_WAIT = 120


@dataclass(frozen=True)
class Plan:
    """A watch resolved against the gazetteer and the kinds the rules know: what its digests select."""

    watch: Watch
    initiatives: tuple[str, ...]  # canonical names; none: every initiative
    kinds: tuple[str, ...]

    def select(self, db: sqlite_utils.Database, after: int, upto: int) -> list[dict[str, Any]]:
        chosen = store_export.FactFilter(after_seq=after, upto_seq=upto, initiatives=self.initiatives,
                                         kinds=self.kinds)  # fmt: skip
        only = set(self.watch.only)
        return [i for i in store_export.iter_facts(db, chosen) if not only or i["change"] in only]


@dataclass
class Outcome:
    """What one notify did: per target, the items sent or the error; the digests of a dry run."""

    sent: list[tuple[str, str, int]] = field(default_factory=list)  # watch, target, items
    failed: list[tuple[str, str, str, int]] = field(default_factory=list)  # watch, target, error, failures in a row
    unchanged: int = 0  # targets with nothing new

    @property
    def stats(self) -> dict[str, int]:
        return {"messages": len(self.sent), "items_sent": sum(n for *_, n in self.sent),
                "targets_failed": len(self.failed)}  # fmt: skip


def plan_watches(watches: tuple[Watch, ...], entities: list[Entity], kinds: tuple[str, ...], file: str) -> list[Plan]:
    """Each watch with its initiatives' canonical names (aliases and countries resolved) and its kinds
    checked; a ConfigError naming the key for a name or kind nobody knows."""
    plans = []
    for i, watch in enumerate(watches):
        names = []
        for n, name in enumerate(watch.initiatives):
            known = canonical_name(entities, name)
            if known is None:
                raise ConfigError(file, f"watches[{i}].initiatives[{n}]",
                                  f"no initiative in the gazetteer is called {name!r}")  # fmt: skip
            names.append(known)
        for n, country in enumerate(watch.countries):
            of_country = [e.name for e in entities if (e.country or "").upper() == country]
            if not of_country:
                raise ConfigError(file, f"watches[{i}].countries[{n}]", f"no initiative of {country} in the gazetteer")
            names += of_country
        for n, kind in enumerate(watch.kinds):
            if kind not in kinds:
                raise ConfigError(file, f"watches[{i}].kinds[{n}]", f"must be one of {', '.join(kinds)} (got {kind!r})")
        plans.append(Plan(watch, tuple(dict.fromkeys(names)), watch.kinds))
    return plans


def notify(
    db: sqlite_utils.Database, plans: list[Plan], *, dry_run: bool = False, show: Callable[[str], None] = print
) -> Outcome:
    """Send each watch's digest to each of its targets (with `dry_run`, `show` what would be sent and change
    nothing). Run it holding the notify lock (`talentwatch notify` and `run` do)."""
    outcome = Outcome()
    for plan in plans:
        watch = plan.watch
        targets = [t.shown for t in watch.notify]
        with store_export.snapshot(db):
            upto = store_export.latest_fact_seq(db)
            cursors = store_watches.target_cursors(db, watch.id, targets)
            digests = {after: plan.select(db, after, upto) for after in set(cursors.values())}
        for target in watch.notify:
            items = digests[cursors[target.shown]]
            title, body = _digest(watch, items)
            if dry_run:
                show(_preview(watch, target, items, title, body))
                continue
            if not items:
                outcome.unchanged += 1
                store_watches.record_sent(db, watch.id, target.shown, upto, 0)
                continue
            error = _send(target, title, body)
            if error is None:
                store_watches.record_sent(db, watch.id, target.shown, upto, len(items))
                outcome.sent.append((watch.id, target.shown, len(items)))
            else:
                store_watches.record_failed(db, watch.id, target.shown, error)
                failures = db.execute("SELECT failures FROM watch_targets WHERE watch = ? AND target = ?",
                                      [watch.id, target.shown]).fetchone()[0]  # fmt: skip
                outcome.failed.append((watch.id, target.shown, error, failures))
        if not dry_run:
            store_watches.settle_watch(db, watch.id, targets, len(digests[min(cursors.values())]))
    return outcome


def _digest(watch: Watch, items: list[dict[str, Any]]) -> tuple[str, str]:
    out = io.StringIO()
    write_facts_markdown(items, out, heading=False)
    return f"{digest_title(len(items))} ({watch.id})", out.getvalue()


def _preview(watch: Watch, target: Target, items: list[dict[str, Any]], title: str, body: str) -> str:
    head = f"=== watch {watch.id} -> {target.shown}"
    if not items:
        return f"{head}: nothing new\n"
    return f"{head}: {len(items)} item(s)\nTitle: {title}\n\n{body}"


def _send(target: Target, title: str, body: str) -> str | None:
    """Deliver one message with apprise: None once it went through, else why not (secrets removed)."""
    import apprise

    app = apprise.Apprise()
    if not app.add(target.url):
        return "apprise could not use this URL"
    logger = logging.getLogger("apprise")
    propagate, logger.propagate = logger.propagate, False  # its lines go to the error below, not to our log
    try:
        with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
            delivered = app.notify(body=body, title=title, body_format=apprise.NotifyFormat.MARKDOWN)
        lines = [line.strip() for line in captured.getvalue().splitlines() if line.strip()]
    finally:
        logger.propagate = propagate
    if delivered:
        return None
    return scrubbed(lines[-1] if lines else "apprise reported a failure", target)[:300].rstrip(".")


_URL_PARTS = re.compile(r"[/:@?&=#,;+]+")


def scrubbed(text: str, target: Target) -> str:
    """`text` without any part of the target's URL that its privacy form hides (passwords, tokens)."""
    from urllib.parse import unquote

    public = set(_URL_PARTS.split(target.shown))
    secrets = {p for part in _URL_PARTS.split(target.url) for p in (part, unquote(part)) if len(p) >= 3}
    for secret in sorted(secrets - public, key=len, reverse=True):
        text = text.replace(secret, "****")
    return text


def known_kinds() -> tuple[str, ...]:
    """The figure kinds the rules produce and the event types the language files name."""
    from config import load_language_rules
    from extract import FIGURE_KINDS

    event_types = {t for data in load_language_rules().values() for t in (*data["verbs"], *data["events"])}
    return (*FIGURE_KINDS, *sorted(event_types - set(FIGURE_KINDS)))


def plans_for(config: Any) -> list[Plan]:
    """The watches of a loaded sources file, planned (an empty list when it has none)."""
    from config import load_entities

    if not config.watches:
        return []
    return plan_watches(config.watches, load_entities()[0], known_kinds(), str(Path(config.files[-1])))
