"""The talentwatch command line: thin click commands over the crawler, extract and store packages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
import yaml

from config import ConfigError, load_sources, packaged_path
from store import open_db
from store.runs import RunLock, RunLocked, finish_run, start_run

DEFAULT_DB = "talentwatch.db"


def _fail(exc: BaseException) -> click.ClickException:
    return click.ClickException(str(exc))


def _sources(sources_file: str | None, ids: tuple[str, ...]):  # noqa: ANN202
    try:
        return load_sources(sources_file).select(ids)
    except ConfigError as exc:
        raise _fail(exc) from None


def _log(message: str, quiet: bool = False) -> None:
    if not quiet:
        click.echo(message, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


def _process(db, reprocess: bool, quiet: bool = False) -> dict[str, Any]:  # noqa: ANN001
    from crawler.process import default_resources, pending_pages, process_pages

    total = pending_pages(db, reprocess=reprocess)
    if total == 0:
        return {"pages": 0, "articles": 0, "empty": 0, "failed": 0, "figures": 0}
    try:
        resources = default_resources()
    except ConfigError as exc:
        raise _fail(exc) from None
    from extract.nlp import ModelMissing

    try:
        if sys.stderr.isatty() and not quiet:
            with click.progressbar(length=total, label="Processing pages", file=sys.stderr) as bar:
                return process_pages(db, resources, reprocess=reprocess, progress=bar.update)
        return process_pages(db, resources, reprocess=reprocess)
    except ModelMissing as exc:
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
                    stats = work(db)
                except BaseException as exc:
                    finish_run(db, run_id, "failed", {"error": f"{type(exc).__name__}: {exc}"})
                    raise
                stats["seconds"] = round(time.monotonic() - started, 2)
                finish_run(db, run_id, "ok", stats)
                return stats
            finally:
                db.close()
    except (RunLocked, FileNotFoundError, ConfigError) as exc:
        raise _fail(exc) from None


def _summary_line(name: str, stats: dict[str, Any]) -> str:
    keys = [k for k in stats if isinstance(stats[k], (int, float)) and k != "seconds"]
    parts = ", ".join(f"{k.replace('_', ' ')} {stats[k]}" for k in sorted(keys))
    return f"{name}: {parts}" if parts else f"{name}: nothing to do"


def _report_failing_sources(db_path: str, config) -> None:  # noqa: ANN001
    """One line per source whose visit failed: a failing source needs attention but does not fail the run."""
    from store.sources import failing_sources

    db = open_db(db_path)
    for row in failing_sources(db, [s.id for s in config.sources]):
        _log(f"source {row['id']} failed ({row['failures']} in a row): {row['last_error']}")
    db.close()


sources_option = click.option(
    "--sources", "sources_file", type=click.Path(dir_okay=False), help="Sources YAML file (replaces the packaged list)."
)
source_id_option = click.option(
    "--source", "source_ids", multiple=True, metavar="ID", help="Only this source (repeatable)."
)
verbose_option = click.option("-v", "--verbose", is_flag=True, help="Log every request and step.")


@cli.command()
@sources_option
@source_id_option
@verbose_option
@click.pass_obj
def crawl(obj: dict, sources_file: str | None, source_ids: tuple[str, ...], verbose: bool) -> None:
    """Fetch the configured sources and store new pages.

    \b
    Example:
      talentwatch crawl --sources my-sources.yaml --source fedscoop
    """
    config = _sources(sources_file, source_ids)
    stats = _recorded(obj["db"], "crawl", lambda db: _crawl(obj["db"], config, verbose))
    _log(_summary_line("crawl", stats))
    _report_failing_sources(obj["db"], config)


@cli.command()
@click.option("--reprocess", is_flag=True, help="Process every stored page again (after rules or models change).")
@click.pass_obj
def process(obj: dict, reprocess: bool) -> None:
    """Extract articles, entities, figures and events from stored pages not yet processed.

    \b
    Example:
      talentwatch process --reprocess
    """
    stats = _recorded(obj["db"], "process", lambda db: _process(db, reprocess))
    _log(_summary_line("process", stats))


@cli.command()
@sources_option
@source_id_option
@click.option("--all", "all_sources", is_flag=True, help="Visit every source now, due or not.")
@verbose_option
@click.pass_obj
def run(obj: dict, sources_file: str | None, source_ids: tuple[str, ...], all_sources: bool, verbose: bool) -> None:
    """Crawl the sources that are due, then process: what cron calls. Refuses to start while another
    run holds the database.

    \b
    Example (crontab, hourly):
      17 * * * *  cd /srv/talentwatch && .venv/bin/talentwatch --db tw.db run
    """
    config = _sources(sources_file, source_ids)

    def work(db) -> dict[str, Any]:  # noqa: ANN001
        crawl_stats = _crawl(obj["db"], config, verbose, due_only=not all_sources)
        process_stats = _process(db, False, quiet=not verbose)
        return {
            **{f"crawl_{k}": v for k, v in crawl_stats.items()},
            **{f"process_{k}": v for k, v in process_stats.items()},
        }

    stats = _recorded(obj["db"], "run", work)
    if verbose:
        _log(_summary_line("run", stats))
    _report_failing_sources(obj["db"], config)  # cron mails what needs attention, and only that


@cli.command()
@click.option("--port", type=int, default=0, show_default=True, help="Port for the demo site (0: any free port).")
@click.pass_obj
def demo(obj: dict, port: int) -> None:
    """Serve the bundled demo corpus on 127.0.0.1, crawl and process it into demo.db, print a summary.

    \b
    Example:
      talentwatch demo && talentwatch serve demo.db
    """
    from crawler.demo.server import demo_sources_text, serve_demo_site
    from store.summary import database_summary

    db_path = obj["db"] if obj["db_explicit"] else "demo.db"
    with serve_demo_site(port=port) as base_url, tempfile.TemporaryDirectory() as tmp:
        sources_file = Path(tmp, "demo-sources.yaml")
        sources_file.write_text(demo_sources_text(base_url), encoding="utf-8")
        config = _sources(str(sources_file), ())
        _log(f"Serving the demo corpus at {base_url}/ and crawling it into {db_path} ...")

        def work(db) -> dict[str, Any]:  # noqa: ANN001
            crawl_stats = _crawl(db_path, config, False)
            return {"crawl": crawl_stats, "process": _process(db, False)}

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


def _when(ts: str | None) -> str:
    return ts.replace("T", " ").removesuffix("Z")[:16] if ts else "-"


# -- offline extraction ------------------------------------------------------------------------------------


@cli.command()
@click.option("--lang", type=click.Choice(["fr", "en"]), help="Force the language instead of detecting it.")
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
            record = {"path": path, "url": url, "title": None, "lang": lang, "published": None, "relevant": False,
                      "relevance": 0.0, "entities": [], "figures": [], "events": []}  # fmt: skip
        click.echo(json.dumps(to_contract(record), ensure_ascii=False))


# -- use ---------------------------------------------------------------------------------------------------


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to FILE atomically instead of stdout.")
@click.option("--include-irrelevant", is_flag=True, help="Also export articles judged irrelevant or duplicates.")
@click.pass_obj
def export(obj: dict, fmt: str, output: str | None, include_irrelevant: bool) -> None:
    """Export articles with their figures, entities and events.

    \b
    Example:
      talentwatch --db tw.db export --format jsonl -o articles.jsonl
    """
    from store.export import iter_articles

    if not Path(obj["db"]).exists():
        raise click.ClickException(f"database {obj['db']} does not exist (run `talentwatch run` first)")
    db = open_db(obj["db"])
    lines = (json.dumps(a, ensure_ascii=False) + "\n" for a in iter_articles(db, include_irrelevant=include_irrelevant))
    if output is None:
        for line in lines:
            sys.stdout.write(line)
        return
    target = Path(output)
    fd, tmp = tempfile.mkstemp(dir=target.parent if str(target.parent) else ".", prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.writelines(lines)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
    database = database or obj["db"]
    if not Path(database).exists():
        raise click.ClickException(f"database {database} does not exist")
    open_db(database).close()  # bring the schema and views up to date before Datasette reads it
    with tempfile.TemporaryDirectory(prefix="talentwatch-serve-") as tmp:
        metadata = Path(tmp, "metadata.json")
        metadata.write_text(json.dumps(datasette_metadata(database), ensure_ascii=False), encoding="utf-8")
        argv = [
            sys.executable, "-m", "datasette", "serve", database, "--host", host, "--port", str(port),
            "--metadata", str(metadata),
            "--setting", "allow_download", "off", "--setting", "sql_time_limit_ms", "3000",
        ]  # fmt: skip
        try:
            code = subprocess.call(argv)
        except KeyboardInterrupt:
            code = 0
    sys.exit(code)


def datasette_metadata(database: str) -> dict[str, Any]:
    """The packaged Datasette metadata, addressed to this database's name (Datasette keys it by file stem)."""
    data = yaml.safe_load(packaged_path("datasette.yaml").read_text(encoding="utf-8"))
    data["databases"] = {Path(database).stem: data["databases"]["*"]}
    return data


def main() -> None:
    cli(prog_name="talentwatch")


if __name__ == "__main__":
    main()
