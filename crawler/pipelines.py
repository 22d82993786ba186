"""Item pipeline: pages and source visits go to the SQLite store (idempotent upserts)."""

from __future__ import annotations

import logging
import sqlite3

from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro

from crawler.items import PageItem, SourceValidators, SourceVisit
from store import open_db
from store.pages import save_page
from store.sources import Schedule, record_source_fetch, record_validators

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler, db_path: str, schedule: Schedule):  # noqa: ANN001
        self.crawler = crawler
        self.db_path = db_path
        self.stats = crawler.stats
        self.schedule = schedule
        self.db = None
        self.storage_error: str | None = None

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        settings = crawler.settings
        schedule = Schedule(
            settings.getfloat("TALENTWATCH_MIN_INTERVAL", 3600.0),
            settings.getfloat("TALENTWATCH_MAX_INTERVAL", 86400.0),
        )
        return cls(crawler, settings.get("TALENTWATCH_DB"), schedule)

    def open_spider(self) -> None:
        self.db = open_db(self.db_path)

    def close_spider(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def process_item(self, item):  # noqa: ANN001, ANN201
        """Store the item. The first storage error (disk full, I/O error) stops the crawl: what follows would
        fail the same way, and a visit that is not recorded stays due, so the next run fetches it again."""
        if self.storage_error:
            raise DropItem(f"not saved, the crawl is stopping after {self.storage_error}", log_level="INFO")
        try:
            self._store(item)
        except sqlite3.Error as exc:
            self.storage_error = f"{type(exc).__name__}: {exc}"
            self.stats.set_value("storage_error", self.storage_error)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="storage_error"))
            raise DropItem(f"not saved: {self.storage_error}", log_level="INFO") from None
        return item

    def _store(self, item) -> None:  # noqa: ANN001
        if isinstance(item, PageItem):
            outcome = save_page(self.db, item.__dict__)
            self.stats.inc_value(f"talentwatch/pages_{outcome}")
        elif isinstance(item, SourceVisit):
            record_source_fetch(
                self.db, item.source_id, status=item.status, error=item.error, new_items=item.new_links,
                schedule=self.schedule,
            )  # fmt: skip
            if item.error:
                self.stats.inc_value("talentwatch/sources_failed")
                logger.info("source %s failed: %s", item.source_id, item.error)  # the CLI reports it
            else:
                self.stats.inc_value("talentwatch/sources_unchanged" if item.unchanged else "talentwatch/sources_ok")
        elif isinstance(item, SourceValidators):
            record_validators(self.db, item.source_id, item.validators)
