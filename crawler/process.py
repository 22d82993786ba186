"""The understand stage: stored pages -> extraction -> articles, entities, figures and events.

With `workers` > 1, extraction runs in that many processes, each loading its own models (spaCy releases
little of the GIL, so threads would not help); this process reads the pages, hands out batches and saves
the results, in the order the pages were read, so that the database ends up exactly as with one worker.
"""

from __future__ import annotations

import dataclasses
import logging
import logging.handlers
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import sqlite_utils

from config import (
    load_compare_measures,
    load_entities,
    load_entity_forms,
    load_figure_rules,
    load_language_rules,
    load_topics,
)
from extract import EXTRACTOR_VERSION, duplicates
from extract.article import Resources, extract_documents
from extract.nlp import Gazetteer, ModelMissing
from extract.rules import compile_all
from store.articles import mark_unprocessable, save_article
from store.db import out_of_room
from store.facts import DEFAULT_WINDOW_DAYS, consolidate
from store.pages import pages_to_process
from store.profile_table import save_profiles

logger = logging.getLogger(__name__)


class ExtractionFailed(Exception):
    """One page could not be extracted (the reason is logged); a plain message, so it crosses processes."""


class WorkerLost(RuntimeError):
    """An extraction process died (killed, out of memory): nothing of its batch was saved."""


def default_resources(*, blank: bool = False) -> Resources:
    """Extraction resources from the packaged gazetteer, topics and language rules."""
    entities, ignore = load_entities()
    gazetteer = Gazetteer.from_config(entities, ignore, load_entity_forms())
    rules = compile_all(load_language_rules(), load_figure_rules())
    return Resources(gazetteer, load_topics(), rules, blank=blank)


def _item(page: dict[str, Any], lang_hint: str | None) -> dict[str, Any]:
    return {"content": page["body"], "url": page["url"], "lang": lang_hint, "feed_entry": page["feed_entry"]}


def extract_batch(items: list[dict[str, Any]], resources: Resources) -> list[dict[str, Any] | None | Exception]:
    """Records for a batch of items (None: no article in the page); one bad page never costs the others."""
    try:
        return extract_documents(items, resources)
    except ModelMissing:
        raise  # not a page's fault: the whole run cannot extract anything
    except Exception as exc:  # one poisoned page must not cost the batch: retry them one by one
        if out_of_room(exc):
            raise  # the machine's state, not a page's fault: the run stops instead of failing every page
        logger.exception("batch extraction failed; retrying page by page")
    records: list[dict[str, Any] | None | Exception] = []
    for item in items:
        try:
            records.append(extract_documents([item], resources)[0])
        except Exception as exc:
            logger.warning("extraction failed for %s: %s", item["url"], exc)
            records.append(ExtractionFailed(f"{type(exc).__name__}: {exc}"))
    return records


# -- worker processes ---------------------------------------------------------------------------------------

_worker_resources: Resources | None = None


def _start_worker(resources: Resources, log_queue: Any, log_level: int) -> None:
    global _worker_resources
    _worker_resources = resources
    # A spawned process starts with no logging set up: its records travel to the parent, which writes them
    # where the command's own go (stderr, the log file).
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(log_queue)]
    root.setLevel(log_level)


class _Relay(logging.Handler):
    """In the parent: hands a worker's record to the logger of the same name, as if logged here."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


def _extract_in_worker(items: list[dict[str, Any]]) -> list[dict[str, Any] | None | Exception]:
    assert _worker_resources is not None, "worker started without resources"
    return extract_batch(items, _worker_resources)


class _Pool:
    """`workers` extraction processes with at most two batches each in flight, so that memory stays bounded
    however many pages are waiting."""

    def __init__(self, resources: Resources, workers: int):
        # Without its loaded pipelines: each worker loads its own, and a loaded model is not worth pickling.
        portable = dataclasses.replace(resources, pipelines={})
        # spawn, not fork: the parent holds a SQLite connection and may have threads (logging, Scrapy)
        context = multiprocessing.get_context("spawn")
        log_queue = context.Queue()
        self.listener = logging.handlers.QueueListener(log_queue, _Relay())
        self.executor = ProcessPoolExecutor(
            workers,
            mp_context=context,
            initializer=_start_worker,
            initargs=(portable, log_queue, logging.getLogger().getEffectiveLevel()),
        )
        self.limit = 2 * workers

    def map_in_order(self, batches: Iterator[list[dict[str, Any]]], items_of) -> Iterator[tuple[list, list]]:  # noqa: ANN001
        pending: deque[tuple[list[dict[str, Any]], Future]] = deque()
        self.listener.start()
        try:
            for batch in batches:
                pending.append((batch, self.executor.submit(_extract_in_worker, items_of(batch))))
                if len(pending) >= self.limit:
                    yield self._next(pending)
            while pending:
                yield self._next(pending)
        finally:
            self.executor.shutdown(wait=True, cancel_futures=True)
            self.listener.stop()  # after the workers are gone: every record they sent is written

    @staticmethod
    def _next(pending: deque) -> tuple[list, list]:
        batch, future = pending.popleft()
        try:
            return batch, future.result()
        except BrokenProcessPool as exc:
            raise WorkerLost(f"an extraction process died ({exc}); run `talentwatch process` again") from None


def process_pages(
    db: sqlite_utils.Database,
    resources: Resources,
    *,
    reprocess: bool = False,
    batch_size: int = 32,
    workers: int = 1,
    window_days: int = DEFAULT_WINDOW_DAYS,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Extract every page not yet processed by this extractor version (one bad page never stops the rest),
    then consolidate what changed into facts and events (with `reprocess`: rebuild them all)."""
    stats = {"pages": 0, "articles": 0, "not_analysed": 0, "empty": 0, "failed": 0, "figures": 0}
    hints = {r["id"]: r["lang"] for r in db.query("SELECT id, lang FROM sources")}

    def items_of(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [_item(p, hints.get(p["source_id"])) for p in batch]

    batches = pages_to_process(db, EXTRACTOR_VERSION, reprocess=reprocess, batch_size=batch_size)
    if workers > 1:
        results = _Pool(resources, workers).map_in_order(batches, items_of)
    else:
        results = ((batch, extract_batch(items_of(batch), resources)) for batch in batches)
    for batch, records in results:
        # One transaction per batch (each article a savepoint in it): a commit per article cost about 5% of
        # what processing adds to the bare models. A run stopped mid-batch loses that batch's writes only,
        # and the next run does them again.
        with db.atomic():
            for page, record in zip(batch, records, strict=True):
                stats["pages"] += 1
                if isinstance(record, Exception):
                    stats["failed"] += 1
                elif record is None:
                    mark_unprocessable(db, page["id"], EXTRACTOR_VERSION)
                    stats["empty"] += 1
                else:
                    save_article(db, page, record, EXTRACTOR_VERSION, copies=duplicates)
                    stats["articles"] += 1
                    stats["not_analysed"] += not record["analysed"]
                    stats["figures"] += len(record["figures"])
        if progress:
            progress(len(batch))
    consolidated = consolidate(db, window_days=window_days, rebuild=reprocess)
    # Every time, not only when facts changed: a run killed between the two leaves no stale profile behind,
    # and a rebuild costs milliseconds (a few queries per initiative).
    _save_profiles(db)
    return {**stats, **{k: v for k, v in consolidated.items() if k != "groups"}}


def _save_profiles(db: sqlite_utils.Database) -> int:
    """Rebuild the initiative profiles Datasette shows, from the facts just consolidated."""
    from extract.normalize import slug

    entities, _ = load_entities()
    return save_profiles(db, load_compare_measures(), {slug(e.name): e.parent for e in entities if e.parent})
