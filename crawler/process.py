"""The understand stage: stored pages -> extraction -> articles, entities, figures and events."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import sqlite_utils

from config import load_entities, load_topics
from extract import EXTRACTOR_VERSION, duplicates
from extract.article import Resources, extract_documents
from extract.nlp import Gazetteer, ModelMissing
from store.articles import mark_unprocessable, save_article
from store.pages import count_to_process, pages_to_process

logger = logging.getLogger(__name__)


def default_resources(*, blank: bool = False) -> Resources:
    """Extraction resources from the packaged gazetteer and topics."""
    entities, ignore = load_entities()
    return Resources(Gazetteer.from_config(entities, ignore), load_topics(), blank=blank)


def _item(page: dict[str, Any], lang_hint: str | None) -> dict[str, Any]:
    return {"content": page["body"], "url": page["url"], "lang": lang_hint, "feed_entry": page["feed_entry"]}


def process_pages(
    db: sqlite_utils.Database,
    resources: Resources,
    *,
    reprocess: bool = False,
    batch_size: int = 32,
    progress: Callable[[int], None] | None = None,
) -> dict[str, int]:
    """Extract every page not yet processed by this extractor version; one bad page never stops the rest."""
    stats = {"pages": 0, "articles": 0, "empty": 0, "failed": 0, "figures": 0}
    hints = {r["id"]: r["lang"] for r in db.query("SELECT id, lang FROM sources")}
    for batch in pages_to_process(db, EXTRACTOR_VERSION, reprocess=reprocess, batch_size=batch_size):
        items = [_item(p, hints.get(p["source_id"])) for p in batch]
        try:
            records = extract_documents(items, resources)
        except ModelMissing:
            raise  # not a page's fault: the whole run cannot extract anything
        except Exception:  # one poisoned page must not cost the batch: retry them one by one
            logger.exception("batch extraction failed; retrying page by page")
            records = []
            for item in items:
                try:
                    records.append(extract_documents([item], resources)[0])
                except Exception as exc:
                    logger.warning("extraction failed for %s: %s", item["url"], exc)
                    records.append(exc)
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
                stats["figures"] += len(record["figures"])
        if progress:
            progress(len(batch))
    return stats


def pending_pages(db: sqlite_utils.Database, *, reprocess: bool = False) -> int:
    return count_to_process(db, EXTRACTOR_VERSION, reprocess=reprocess)
