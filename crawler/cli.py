"""The talentwatch command line: thin click commands over the crawler, extract and store packages."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
import yaml

from config import LANGS, ConfigError, load_sources, packaged_path
from crawler.interrupt import Interrupted, interruptible
from store import StoreError, open_db, out_of_room
from store.db import stable_id, writable
from store.pages import utcnow
from store.runs import RunLock, RunLocked, finish_run, start_run

DEFAULT_DB = "talentwatch.db"
# Pages read, extracted and saved together by `process` (with --workers, the unit handed to a process).
PROCESS_BATCH = 32


def _fail(exc: BaseException) -> click.ClickException:
    return click.ClickException(str(exc))


def _sources(sources_file: str | None, ids: tuple[str, ...]):  # noqa: ANN202
    try:
        return load_sources(sources_file).select(ids)
    except ConfigError as exc:
        raise _fail(exc) from None


def _log(message: str, quiet: bool = False) -> None:
    """A report for the user: on stderr unless `quiet`, and in the log file when one is configured."""
    from crawler.logs import REPORT

    REPORT.info(message)
    if not quiet:
        click.echo(message, err=True)


def _setup_logging(stderr_level: int, log_file: str | None) -> None:
    import logging

    from crawler.logs import configure

    try:
        configure(stderr_level, log_file)
    except OSError as exc:
        raise _fail(exc) from None
    logging.getLogger("talentwatch").info("talentwatch %s", " ".join(sys.argv[1:]))


class _Commands(click.Group):
    """Every command answers a database it cannot use (damaged, foreign, newer, read-only) with one line."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (StoreError, RunLocked) as exc:
            raise _fail(exc) from None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False),
    default=DEFAULT_DB,
    envvar="TALENTWATCH_DB",
    show_default=True,
    help="SQLite database file (or $TALENTWATCH_DB).",
)
@click.version_option(package_name="talentwatch")
@click.pass_context
def cli(ctx: click.Context, db_path: str) -> None:
    """Watch the news about government tech-talent initiatives and keep a timeline of sourced facts.

    \b
    Example:
      talentwatch demo                      # bundled corpus -> demo.db
      talentwatch --db tw.db run            # crawl the default sources, then process
      talentwatch serve tw.db               # browse in Datasette
    """
    ctx.obj = {"db": db_path, "db_explicit": ctx.get_parameter_source("db_path").name != "DEFAULT"}


# -- stages ------------------------------------------------------------------------------------------------


def _crawl(db_path: str, config, verbose: bool, due_only: bool = False) -> dict[str, Any]:  # noqa: ANN001
    from crawler.crawl import run_crawl  # Scrapy is heavy: import it only for commands that crawl

    return run_crawl(db_path, config, due_only=due_only, verbose=verbose, progress=sys.stderr.isatty())


def _process(
    db, reprocess: bool, quiet: bool = False, workers: int = 1, window_days: int | None = None
) -> dict[str, Any]:  # noqa: ANN001
    from extract import EXTRACTOR_VERSION
    from store.facts import DEFAULT_WINDOW_DAYS, consolidate, needs_consolidation
    from store.pages import count_to_process

    window_days = DEFAULT_WINDOW_DAYS if window_days is None else window_days
    # Counted before importing the processing stage: importing spaCy was a quarter of the time of an
    # hourly run with nothing new (bench/incremental.py).
    total = count_to_process(db, EXTRACTOR_VERSION, reprocess=reprocess)
    if total == 0:
        # nothing to extract, but facts left stale by an interrupted run (or a new window) are rebuilt
        stats = {"pages": 0, "articles": 0, "not_analysed": 0, "empty": 0, "failed": 0, "figures": 0}
        if reprocess or needs_consolidation(db, window_days):
            stats.update({k: v for k, v in consolidate(db, window_days=window_days).items() if k != "groups"})
        return stats
    from crawler.process import WorkerLost, default_resources, process_pages

    try:
        resources = default_resources()
    except ConfigError as exc:
        raise _fail(exc) from None
    from extract.nlp import ModelMissing

    # More processes than batches of work would only load models for nothing.
    workers = max(1, min(workers, -(-total // PROCESS_BATCH)))
    options = {"reprocess": reprocess, "workers": workers, "batch_size": PROCESS_BATCH, "window_days": window_days}
    try:
        if sys.stderr.isatty() and not quiet:
            with click.progressbar(length=total, label="Processing pages", file=sys.stderr) as bar:
                return process_pages(db, resources, progress=bar.update, **options)
        return process_pages(db, resources, **options)
    except (ModelMissing, WorkerLost) as exc:
        raise _fail(exc) from None


def _recorded(db_path: str, command: str, work) -> dict[str, Any]:  # noqa: ANN001
    """Run `work(db)` holding the database's run lock and record it in `runs`."""
    try:
        with RunLock(db_path):
            db = open_db(db_path)
            try:
                run_id = start_run(db, command)
                started = time.monotonic()
                try:
                    with interruptible():
                        stats = work(db)
                except Interrupted as exc:
                    finish_run(db, run_id, "interrupted", {"error": str(exc)})
                    _log(f"{command} {exc}: what was stored is kept, the next run does the rest")
                    sys.exit(exc.exit_code)
                except BaseException as exc:
                    error = str(exc) if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
                    try:
                        finish_run(db, run_id, "failed", {"error": error})
                    except sqlite3.Error:  # the disk that failed the work may fail this too: the row stays
                        pass  # `running`, and the next run marks it interrupted
                    if isinstance(exc, sqlite3.Error):
                        raise StoreError(f"could not save to {db_path} ({error}); what was saved is kept") from None
                    if out_of_room(exc):
                        raise StoreError(f"no room left on the disk ({error}): {command} stopped; what was saved "
                                         f"to {db_path} is kept and the next run does the rest") from None  # fmt: skip
                    raise
                stats["seconds"] = round(time.monotonic() - started, 2)
                finish_run(db, run_id, "ok", stats)
                return stats
            finally:
                db.close()
    except (RunLocked, FileNotFoundError, ConfigError, StoreError) as exc:
        raise _fail(exc) from None


def _summary_line(name: str, stats: dict[str, Any]) -> str:
    keys = [k for k in stats if isinstance(stats[k], (int, float)) and k != "seconds"]
    parts = ", ".join(f"{k.replace('_', ' ')} {stats[k]}" for k in sorted(keys))
    return f"{name}: {parts}" if parts else f"{name}: nothing to do"


def _report_failing_sources(db_path: str, config, since: str) -> None:  # noqa: ANN001
    """One line per source whose visit in this run failed: it needs attention but does not fail the run."""
    from store.sources import failing_sources

    db = open_db(db_path)
    for row in failing_sources(db, [s.id for s in config.sources], since=since):
        _log(
            f"source {row['id']} failed ({row['failures']} in a row, next try {_when(row['next_check'])}): {row['last_error']}"
        )
    db.close()


def _report_failed_pages(stats: dict[str, Any]) -> None:
    if stats.get("failed"):
        _log(f"{stats['failed']} page(s) could not be processed: they are retried on the next run (see -v or the log)")


def _watch_plans(config) -> list:  # noqa: ANN001
    from crawler.notify import plans_for

    try:
        return plans_for(config)
    except ConfigError as exc:
        raise _fail(exc) from None


def _notify(db_path: str, db, plans: list, dry_run: bool = False, wait: float | None = None):  # noqa: ANN001, ANN202
    from crawler.notify import NOTIFY_WAIT, notify

    if dry_run:
        return notify(db, plans, dry_run=True, show=click.echo)
    # two notifies at once (cron and a manual one) would send the same digest twice
    with RunLock(db_path, name="notify", wait=NOTIFY_WAIT if wait is None else wait):
        return notify(db, plans)


def _report_failed_targets(outcome) -> None:  # noqa: ANN001
    for watch, target, error, failures in outcome.failed:
        _log(f"watch {watch}: {target} failed ({failures} in a row): {error}; it gets what it missed on the next run")


sources_option = click.option(
    "--sources", "sources_file", type=click.Path(dir_okay=False), help="Sources YAML file (replaces the packaged list)."
)
source_id_option = click.option(
    "--source", "source_ids", multiple=True, metavar="ID", help="Only this source (repeatable)."
)
verbose_option = click.option("-v", "--verbose", is_flag=True, help="Log every request and step.")
log_file_option = click.option(
    "--log-file", type=click.Path(dir_okay=False), help="Append the full log to FILE (default: settings.log_file)."
)
workers_option = click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Extraction processes, each with its own models (about 1 core and 300 MB each).",
)


@cli.command()
@sources_option
@source_id_option
@verbose_option
@log_file_option
@click.pass_obj
def crawl(
    obj: dict, sources_file: str | None, source_ids: tuple[str, ...], verbose: bool, log_file: str | None
) -> None:
    """Fetch the configured sources and store new pages.

    \b
    Example:
      talentwatch crawl --sources my-sources.yaml --source fedscoop
    """
    import logging

    config = _sources(sources_file, source_ids)
    _setup_logging(logging.INFO if verbose else logging.WARNING, log_file or config.settings.log_file)
    started = utcnow()
    stats = _recorded(obj["db"], "crawl", lambda db: _crawl(obj["db"], config, verbose))
    _log(_summary_line("crawl", stats))
    _report_failing_sources(obj["db"], config, since=started)


@cli.command()
@click.option("--reprocess", is_flag=True, help="Process every stored page again (after rules or models change).")
@workers_option
@click.option(
    "--sources", "sources_file", type=click.Path(dir_okay=False), help="Sources YAML file whose settings apply."
)
@verbose_option
@log_file_option
@click.pass_obj
def process(
    obj: dict, reprocess: bool, workers: int, sources_file: str | None, verbose: bool, log_file: str | None
) -> None:
    """Extract articles, entities, figures and events from stored pages not yet processed, then update the
    facts and events they report (`--reprocess`: everything again).

    \b
    Example:
      talentwatch process --reprocess --workers 2
    """
    import logging

    settings = _sources(sources_file, ()).settings
    _setup_logging(logging.INFO if verbose else logging.WARNING, log_file or settings.log_file)
    window = settings.dispute_window_days
    stats = _recorded(obj["db"], "process", lambda db: _process(db, reprocess, workers=workers, window_days=window))
    _log(_summary_line("process", stats))
    _report_failed_pages(stats)


@cli.command()
@sources_option
@source_id_option
@click.option("--all", "all_sources", is_flag=True, help="Visit every source now, due or not.")
@workers_option
@verbose_option
@log_file_option
@click.pass_obj
def run(
    obj: dict,
    sources_file: str | None,
    source_ids: tuple[str, ...],
    all_sources: bool,
    workers: int,
    verbose: bool,
    log_file: str | None,
) -> None:
    """Crawl the sources that are due, then process: what cron calls. Quiet unless something needs
    attention (a source failed, a page could not be processed); exits non-zero only when the run itself
    failed. Refuses to start while another run holds the database.

    \b
    Example (crontab, hourly):
      17 * * * *  cd /srv/talentwatch && .venv/bin/talentwatch --db tw.db run
    """
    import logging

    config = _sources(sources_file, source_ids)
    plans = _watch_plans(config)  # a wrong watch stops the run before it crawls
    # cron mails whatever reaches stderr: only errors, and the reports below, unless -v
    _setup_logging(logging.INFO if verbose else logging.ERROR, log_file or config.settings.log_file)
    started = utcnow()
    notified = []

    def work(db) -> dict[str, Any]:  # noqa: ANN001
        crawl_stats = _crawl(obj["db"], config, verbose, due_only=not all_sources)
        process_stats = _process(db, False, workers=workers, window_days=config.settings.dispute_window_days)
        stats = {
            **{f"crawl_{k}": v for k, v in crawl_stats.items()},
            **{f"process_{k}": v for k, v in process_stats.items()},
        }
        if plans:
            try:
                notified.append(_notify(obj["db"], db, plans, wait=0))
            except RunLocked as exc:  # that one sends what is new; what it misses goes with the next run
                _log(f"watches not notified: {exc}")
                return {**stats, "notify_skipped": 1}
            stats.update({f"notify_{k}": v for k, v in notified[-1].stats.items()})
        return stats

    stats = _recorded(obj["db"], "run", work)
    _log(_summary_line("run", stats), quiet=not verbose)
    _report_failing_sources(obj["db"], config, since=started)
    _report_failed_pages({"failed": stats.get("process_failed", 0)})
    for outcome in notified:
        _report_failed_targets(outcome)


@cli.command(name="notify")
@sources_option
@click.option("--watch", "watch_ids", multiple=True, metavar="ID", help="Only this watch (repeatable).")
@click.option("--dry-run", is_flag=True, help="Print what each target would be sent; send nothing, move no cursor.")
@click.pass_obj
def notify_command(obj: dict, sources_file: str | None, watch_ids: tuple[str, ...], dry_run: bool) -> None:
    """Send each watch of the sources file one digest of what is new for it (new facts and events, facts
    that became disputed, new outlets), through apprise: mail, chat, webhooks. `run` does this after
    processing; a target that fails gets what it missed on the next run. Exits 1 if a target failed.

    \b
    Examples:
      talentwatch --db tw.db notify --sources my-sources.yaml --dry-run
      talentwatch --db tw.db notify --sources my-sources.yaml --watch tech-force-desk
    """
    config = _sources(sources_file, ())
    plans = _watch_plans(config)
    if not plans:
        raise click.ClickException(f"{config.files[-1]} has no watches: add a `watches:` list (README, Alerts)")
    if watch_ids:
        known = [p.watch.id for p in plans]
        unknown = [w for w in watch_ids if w not in known]
        if unknown:
            raise click.UsageError(f"no watch with id {unknown[0]!r} (watches: {', '.join(known)})")
        plans = [p for p in plans if p.watch.id in watch_ids]
    if not Path(obj["db"]).exists():
        raise click.ClickException(f"database {obj['db']} does not exist (run `talentwatch run` first)")
    if not dry_run and not writable(obj["db"]):
        raise click.ClickException(f"{obj['db']} is read-only, so the watches' cursors cannot move: "
                                   "notify needs write access (--dry-run does not)")  # fmt: skip
    db = open_db(obj["db"], read_only=dry_run and not writable(obj["db"]))
    try:
        outcome = _notify(obj["db"], db, plans, dry_run=dry_run)
    finally:
        db.close()
    if dry_run:
        return
    _log(_summary_line("notify", outcome.stats))
    _report_failed_targets(outcome)
    if outcome.failed:
        sys.exit(1)


@cli.command()
@click.option("--port", type=int, default=0, show_default=True, help="Port for the demo site (0: any free port).")
@click.pass_obj
def demo(obj: dict, port: int) -> None:
    """Serve the bundled demo corpus on 127.0.0.1, crawl and process it into demo.db, print a summary.

    \b
    Example:
      talentwatch demo && talentwatch serve demo.db
    """
    import logging

    from crawler.demo.server import demo_sources_text, serve_demo_site
    from store.summary import database_summary

    _setup_logging(logging.WARNING, None)

    db_path = obj["db"] if obj["db_explicit"] else "demo.db"
    with serve_demo_site(port=port) as base_url, tempfile.TemporaryDirectory() as tmp:
        sources_file = Path(tmp, "demo-sources.yaml")
        sources_file.write_text(demo_sources_text(base_url), encoding="utf-8")
        config = _sources(str(sources_file), ())
        _log(f"Serving the demo corpus at {base_url}/ and crawling it into {db_path} ...")

        def work(db) -> dict[str, Any]:  # noqa: ANN001
            crawl_stats = _crawl(db_path, config, False)
            return {
                "crawl": crawl_stats,
                "process": _process(db, False, window_days=config.settings.dispute_window_days),
            }

        _recorded(db_path, "demo", work)
    db = open_db(db_path)
    click.echo(database_summary(db))
    click.echo(f"\nBrowse it with:  .venv/bin/talentwatch serve {db_path}")


@cli.command(name="sources")
@sources_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per source instead of a table.")
@click.pass_obj
def sources_command(obj: dict, sources_file: str | None, as_json: bool) -> None:
    """List the configured sources with their state: last status, last new item, failures, next check.

    \b
    Example:
      talentwatch --db tw.db sources
    """
    from store.sources import source_states, sync_sources

    config = _sources(sources_file, ())
    db = open_db(obj["db"])
    sync_sources(db, config.sources)
    rows = source_states(db, [s.id for s in config.sources])
    db.close()
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    click.echo(sources_table(rows))


def sources_table(rows: list[dict[str, Any]]) -> str:
    """Fixed-width table of source states; a failing source shows its error on the line below."""
    header = ("source", "kind", "last check", "status", "new", "last new item", "fails", "next check")
    lines = []
    for r in rows:
        status = "-" if r["last_checked"] is None else ("error" if r["last_error"] else str(r["last_status"] or "-"))
        lines.append(
            (r["id"], r["kind"] or "-", _when(r["last_checked"]), status,
             "-" if r["last_visit_new"] is None else str(r["last_visit_new"]), _when(r["last_new_item"]),
             str(r["failures"] or 0), _when(r["next_check"]) if r["next_check"] else "now")
        )  # fmt: skip
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=True)]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    for r, line in zip(rows, lines, strict=True):
        out.append("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())
        if r["last_error"]:
            out.append(f"    last error: {r['last_error'][:200]}")
    return "\n".join(out)


@cli.command()
@click.option("--runs", "limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="How many runs.")
@click.pass_obj
def status(obj: dict, limit: int) -> None:
    """Print the last runs and the sources that are failing (what to look at when cron mails).

    \b
    Example:
      talentwatch --db tw.db status --runs 5
    """
    from store.articles import languages_not_analysed
    from store.runs import lock_is_held, recent_runs
    from store.sources import source_states
    from store.watches import watch_states

    if not Path(obj["db"]).exists():
        raise click.ClickException(f"database {obj['db']} does not exist (run `talentwatch run` first)")
    db = open_db(obj["db"], read_only=not writable(obj["db"]))
    runs = recent_runs(db, limit)
    unhealthy = [r for r in source_states(db) if r["failures"]]
    targets = watch_states(db)
    unanalysed = languages_not_analysed(db)
    db.close()
    click.echo(runs_table(runs, running_now=lock_is_held(obj["db"])))
    if not unhealthy:
        click.echo("\nAll sources healthy.")
    else:
        click.echo(f"\nFailing sources ({len(unhealthy)}):")
        for r in unhealthy:
            click.echo(
                f"  {r['id']}: {r['failures']} failure(s) in a row, last check {_when(r['last_checked'])}, "
                f"next {_when(r['next_check'])}\n    {(r['last_error'] or '')[:200]}"
            )
    if unanalysed:
        counts = ", ".join(f"{lang} {n}" for lang, n in unanalysed)
        click.echo(f"\nArticles in languages not analysed (stored, kept out of the timeline and exports): {counts}")
    if targets:
        click.echo("\n" + watches_table(targets))


def watches_table(targets: list[dict[str, Any]]) -> str:
    """Each watch target: what it was sent, and whether it is failing (with why)."""
    lines = [("watch", "target", "messages", "items", "last sent (UTC)", "state")]
    for t in targets:
        state = f"failing ({t['failures']} in a row): {(t['last_error'] or '')[:120]}" if t["failures"] else "ok"
        lines.append((t["watch"], t["target"], str(t["messages"]), str(t["items"]), _when(t["last_sent"]), state))
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "Watches:\n" + "\n".join(
        "  " + "  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in lines
    )


def runs_table(runs: list[dict[str, Any]], running_now: bool) -> str:
    """The last runs, newest first: when, how long, how it ended and its main counters."""
    if not runs:
        return "No runs yet."
    lines = [("run", "command", "started (UTC)", "took", "status", "summary")]
    for r in runs:
        state = r["status"]
        if state == "running" and not running_now:
            state = "interrupted"  # killed: the next run will mark it so too
        stats = r["stats"]
        took = f"{stats['seconds']:.0f}s" if isinstance(stats.get("seconds"), (int, float)) else "-"
        lines.append((str(r["id"]), r["command"], _when(r["started_at"]), took, state, _run_summary(stats)))
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip() for line in lines)


def _run_summary(stats: dict[str, Any]) -> str:
    if "error" in stats:
        return stats["error"][:120]
    flat = {**stats, **{k: v for part in ("crawl", "process") for k, v in (stats.get(part) or {}).items()}}
    picks = [
        ("crawl_sources", "sources"), ("sources", "sources"), ("crawl_sources_failed", "failed"),
        ("sources_failed", "failed"), ("crawl_pages_new", "new pages"), ("pages_new", "new pages"),
        ("process_articles", "articles"), ("articles", "articles"), ("process_not_analysed", "not analysed"),
        ("not_analysed", "not analysed"), ("process_failed", "pages failed"),
        ("notify_messages", "alerts sent"), ("notify_targets_failed", "alert targets failed"),
    ]  # fmt: skip
    said_only_when_some = {"not analysed"}
    seen, parts = set(), []
    for key, label in picks:
        if isinstance(flat.get(key), int) and label not in seen and (flat[key] or label not in said_only_when_some):
            seen.add(label)
            parts.append(f"{flat[key]} {label}")
    return ", ".join(parts)


def _when(ts: str | None) -> str:
    return ts.replace("T", " ").removesuffix("Z")[:16] if ts else "-"


# -- offline extraction ------------------------------------------------------------------------------------


@cli.command()
@click.option("--lang", type=click.Choice(LANGS), help="Force the language instead of detecting it.")
@click.option("--url", help="URL of the document (helps metadata extraction).")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
def extract(lang: str | None, url: str | None, paths: tuple[str, ...]) -> None:
    """Extract one JSON object per HTML or text file (JSON lines, input order). No database involved.

    \b
    Example:
      talentwatch extract --lang fr article.html notes.txt
    """
    from crawler.process import default_resources
    from extract.article import extract_documents, to_contract

    try:
        resources = default_resources()
    except ConfigError as exc:
        raise _fail(exc) from None
    items = [{"content": Path(p).read_bytes(), "path": p, "url": url, "force_lang": lang} for p in paths]
    for path, record in zip(paths, extract_documents(items, resources), strict=True):
        if record is None:
            record = {"path": path, "url": url, "title": None, "lang": lang, "analysed": False, "published": None,
                      "relevant": False, "relevance": 0.0, "entities": [], "figures": [], "events": []}  # fmt: skip
        click.echo(json.dumps(to_contract(record), ensure_ascii=False))


# -- use ---------------------------------------------------------------------------------------------------


def _initiative_name(name: str) -> str:
    """The canonical name of an initiative typed as any of its gazetteer aliases ("USDS", "EIG")."""
    from config import canonical_name, load_entities

    return canonical_name(load_entities()[0], name) or name


def _export_kind(kind: str) -> str:
    from crawler.notify import known_kinds

    allowed = known_kinds()
    if kind not in allowed:
        raise click.BadParameter(f"must be one of {', '.join(allowed)} (got {kind!r})", param_hint="--kind")
    return kind


def _language_code(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None or value in LANGS or re.fullmatch(r"[a-z]{2}", value):
        return value
    raise click.BadParameter(f"must be an ISO 639-1 language code such as {LANGS[0]} (got {value!r})")


def _iso_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"must be an ISO date such as 2025-12-01 (got {value!r})") from None


@cli.command()
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv", "atom", "markdown"]), default="jsonl", show_default=True
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE atomically instead of stdout.")
@click.option("--facts", "facts", is_flag=True, help="Export facts and events instead of articles.")
@click.option("--new", "only_new", is_flag=True, help="Only what --consumer has not received yet; then remember it.")
@click.option("--consumer", metavar="NAME", help="Who receives the export (with --new): each has its own cursor.")
@click.option("--since", callback=_iso_date, metavar="DATE", help="Published (facts: last reported) on or after DATE.")
@click.option("--initiative", metavar="NAME", help="About NAME (a canonical name or an alias, e.g. USDS).")
@click.option("--kind", metavar="KIND", help="With a figure of KIND (salary, headcount...) or of this event type.")
@click.option(
    "--lang", callback=_language_code, metavar="CODE",
    help=f"Articles in this language ({', '.join(LANGS)}; another ISO 639-1 code with --include-irrelevant).",
)  # fmt: skip
@click.option("--min-relevance", type=click.FloatRange(0, 1), metavar="X", help="Articles with relevance >= X.")
@click.option("--include-irrelevant", is_flag=True, help="Also export articles judged irrelevant or duplicates.")
@click.pass_obj
def export(
    obj: dict, fmt: str, output: str | None, facts: bool, only_new: bool, consumer: str | None, **filters: Any
) -> None:
    """Export articles with their figures, entities and events, or with --facts the facts and events (each
    once, with its outlets; a disputed fact with every claim), as JSON lines, CSV, Atom or Markdown.

    With --new --consumer NAME, only what NAME has not received (for facts: new facts and events, a new
    outlet for one, a fact that became disputed), and NAME's cursor moves only once the whole output is
    written: a failed write, a closed pipe or a kill leaves it for next time.

    \b
    Examples:
      talentwatch --db tw.db export --new --consumer slack --format markdown -o digest.md
      talentwatch --db tw.db export --facts --new --consumer desk --format markdown
      talentwatch --db tw.db export --initiative USDS --kind headcount --format csv > usds.csv
    """
    from store import export as store_export
    from store.formats import writer

    if only_new != bool(consumer):
        raise click.UsageError("--new and --consumer go together (each consumer has its own cursor)")
    if facts:
        for name in ("lang", "min_relevance", "include_irrelevant"):
            if filters[name]:
                raise click.UsageError(f"--{name.replace('_', '-')} applies to articles, not to --facts")
    if filters["lang"] not in (None, *LANGS) and not filters["include_irrelevant"]:
        raise click.UsageError(
            f"articles in {filters['lang']!r} are not analysed (analysed: {', '.join(LANGS)}), so never relevant:"
            " add --include-irrelevant to export them"
        )
    if not Path(obj["db"]).exists():
        raise click.ClickException(f"database {obj['db']} does not exist (run `talentwatch run` first)")
    if filters["initiative"]:
        filters["initiative"] = _initiative_name(filters["initiative"])
    if filters["kind"]:
        filters["kind"] = _export_kind(filters["kind"])
    what = "facts" if facts else "articles"
    write = writer(
        fmt, facts=facts, title=f"talentwatch {what}: new for {consumer}" if consumer else f"talentwatch {what}",
        # the articles feed keeps the id it always had, so that feed readers see the same feed
        feed_id=f"urn:talentwatch:export:{what}:{consumer or 'all'}" if facts else f"urn:talentwatch:export:{consumer or 'all'}",
    )  # fmt: skip
    if facts:
        latest, cursor, advance = (
            store_export.latest_fact_seq, store_export.consumer_fact_cursor, store_export.advance_fact_cursor
        )  # fmt: skip
        chosen = {"since": filters["since"], "initiatives": tuple(filter(None, [filters["initiative"]])),
                  "kinds": tuple(filter(None, [filters["kind"]]))}  # fmt: skip

        def select(db, after: int, upto: int):  # noqa: ANN001, ANN202
            return store_export.iter_facts(db, store_export.FactFilter(after_seq=after, upto_seq=upto, **chosen))
    else:
        latest, cursor, advance = (store_export.latest_seq, store_export.consumer_cursor, store_export.advance_cursor)

        def select(db, after: int, upto: int):  # noqa: ANN001, ANN202
            return store_export.iter_articles(db, store_export.ExportFilter(after_seq=after, upto_seq=upto, **filters))

    read_only = not writable(obj["db"])
    if consumer and read_only:
        raise click.ClickException(f"{obj['db']} is read-only, so consumer {consumer}'s cursor cannot move: "
                                   "export with --since instead, or with write access")  # fmt: skip
    db = open_db(obj["db"], read_only=read_only)
    # Two exports for one consumer at once would both read the same cursor: the second waits for the first
    lock = RunLock(obj["db"], name=f"export-{stable_id(consumer)}", wait=store_export.CONSUMER_WAIT)
    with lock if consumer else contextlib.nullcontext():
        with store_export.snapshot(db):
            upto = latest(db)
            after = cursor(db, consumer) if consumer else 0
            items = select(db, after, upto)
            written = _write_output(output, lambda out: write(items, out))
        if consumer:
            advance(db, consumer, upto, written, fmt)
    db.close()


def _write_output(output: str | None, write) -> int:  # noqa: ANN001
    """Run `write(stream)` into FILE atomically (a temporary file renamed at the end) or to stdout, flushed:
    returns only once everything is written, and raises a one-line error otherwise."""
    unwritten = "nothing was marked as exported"
    if output is None:
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="")
        try:
            n = write(out)
            out.flush()
            return n
        except BrokenPipeError:
            # The reader went away (`| head`): later flushes go nowhere instead of raising again.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.ClickException(f"output closed before the end: {unwritten}") from None
        except OSError as exc:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.ClickException(f"could not write the output ({exc.strerror or exc}): {unwritten}") from None
        finally:
            try:
                out.detach()  # sys.stdout keeps the buffer
            except (OSError, ValueError):
                pass
    target = Path(output)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            n = write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
        return n
    except OSError as exc:
        raise click.ClickException(f"could not write {output} ({exc.strerror or exc}): {unwritten}") from None
    finally:
        if tmp is not None and Path(tmp).exists():
            Path(tmp).unlink()


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--country", "countries", multiple=True, metavar="CC", help="Only initiatives of this country "
              "(ISO code such as FR or US); repeatable.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["markdown", "csv", "json"]), default="markdown", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE atomically instead of stdout.")
@click.pass_obj
def compare(obj: dict, names: tuple[str, ...], countries: tuple[str, ...], fmt: str, output: str | None) -> None:
    """Compare initiatives side by side: one row each (the named ones, by name or alias, or every initiative
    with facts), the latest value of each measure with its date and outlets; a disputed value shows every
    claim. Markdown is a report to paste into a document: the table, then its sources as footnotes.

    \b
    Examples:
      talentwatch --db tw.db compare "US Tech Force" USDS EIG
      talentwatch --db tw.db compare --country FR --format csv -o initiatives-fr.csv
    """
    from config import load_compare_measures, load_entities
    from extract.normalize import slug
    from store.comparison import compare_writer
    from store.profiles import initiative_profiles, initiatives_with_facts

    if not Path(obj["db"]).exists():
        raise click.ClickException(f"database {obj['db']} does not exist (run `talentwatch run` first)")
    measures = load_compare_measures()
    entities, _ = load_entities()
    db = open_db(obj["db"], read_only=not writable(obj["db"]))
    known = dict(initiatives_with_facts(db))  # id -> name
    chosen = [_initiative_with_facts(name, entities, known) for name in names] if names else list(known)
    profiles = initiative_profiles(db, measures, list(dict.fromkeys(chosen)),
                                   parents={slug(e.name): e.parent for e in entities if e.parent})  # fmt: skip
    db.close()
    if countries:
        wanted = {c.upper() for c in countries}
        profiles = [p for p in profiles if (p.country or "").upper() in wanted]
    write = compare_writer(fmt)
    _write_output(output, lambda out: write(profiles, measures, out))


def _initiative_with_facts(name: str, entities, known: dict[str, str]) -> str:  # noqa: ANN001
    """The id of the initiative `name` or one of its aliases names, among those with facts; a one-line error
    with the closest names otherwise."""
    import difflib

    from extract.normalize import slug

    wanted = slug(_initiative_name(name))
    if wanted in known:
        return wanted
    names = sorted({*known.values(), *(a for e in entities if slug(e.name) in known for a in e.aliases)})
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.5)
    hint = f" (closest: {', '.join(close)})" if close else ""
    raise click.ClickException(f"no initiative with facts is called {name!r}{hint}")


@cli.command()
@click.argument("database", required=False, type=click.Path(dir_okay=False))
@click.option("--port", type=int, default=8001, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default).")
@click.pass_obj
def serve(obj: dict, database: str | None, port: int, host: str) -> None:
    """Browse the database in Datasette (read-only pages, canned queries, full-text search).

    \b
    Example:
      talentwatch serve demo.db --port 8001
    """
    from crawler.datasette_plugins.talentwatch_limits import MAX_RESPONSE_BYTES, MIB  # imports Datasette: here only

    database = database or obj["db"]
    if not Path(database).exists():
        raise click.ClickException(f"database {database} does not exist")
    read_only = not writable(database)
    open_db(database, read_only=read_only).close()  # bring the schema and views up to date before Datasette reads it
    with tempfile.TemporaryDirectory(prefix="talentwatch-serve-") as tmp:
        metadata = Path(tmp, "metadata.json")
        metadata.write_text(json.dumps(datasette_metadata(database), ensure_ascii=False), encoding="utf-8")
        argv = [
            # a file this process may not write is served as immutable: SQLite could not create its WAL index
            sys.executable, "-m", "datasette", "serve", *(["-i"] if read_only else []), database,
            "--host", host, "--port", str(port),
            "--metadata", str(metadata), "--template-dir", str(packaged_path("templates")),
            "--plugins-dir", str(Path(__file__).with_name("datasette_plugins")),
            "--setting", "allow_download", "off", "--setting", "sql_time_limit_ms", "3000",
            "--setting", "max_csv_mb", str(MAX_RESPONSE_BYTES // MIB),
        ]  # fmt: skip
        code = _run_until_stopped(argv)
    sys.exit(code)


def _run_until_stopped(argv: list[str]) -> int:
    """Run a child to its end; a SIGTERM or SIGHUP sent to this process (`kill`, a service manager, a closed
    terminal) is passed on to the child, which would otherwise outlive us and keep the port."""
    proc = subprocess.Popen(argv)

    def forward(signum: int, _frame: Any) -> None:
        proc.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        while True:
            try:
                return 0 if proc.wait() < 0 else proc.returncode  # stopped by a signal: a normal end
            except KeyboardInterrupt:  # Ctrl-C reached the child too (same process group): let it finish
                continue
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def datasette_metadata(database: str) -> dict[str, Any]:
    """The packaged Datasette metadata, addressed to this database's name (Datasette keys it by file stem):
    "*" stands for it as the key of `databases` and as the `db` of every dashboard chart and filter."""
    name = Path(database).stem
    data = yaml.safe_load(packaged_path("datasette.yaml").read_text(encoding="utf-8"))
    data["databases"] = {name: data["databases"]["*"]}
    for dashboard in data.get("plugins", {}).get("datasette-dashboards", {}).values():
        for part in (*dashboard.get("charts", {}).values(), *dashboard.get("filters", {}).values()):
            if part.get("db") == "*":
                part["db"] = name
    return data


def main() -> None:
    cli(prog_name="talentwatch")


if __name__ == "__main__":
    main()
