"""Item pipeline: pages and source visits go to the SQLite store (idempotent upserts)."""

from __future__ import annotations

import logging

from crawler.items import PageItem, SourceVisit
from store import open_db
from store.pages import save_page
from store.sources import record_source_fetch

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, db_path: str, stats):  # noqa: ANN001 - Scrapy stats collector
        self.db_path = db_path
        self.stats = stats
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        return cls(crawler.settings.get("TALENTWATCH_DB"), crawler.stats)

    def open_spider(self) -> None:
        self.db = open_db(self.db_path)

    def close_spider(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def process_item(self, item):  # noqa: ANN001, ANN201
        if isinstance(item, PageItem):
            outcome = save_page(self.db, item.__dict__)
            self.stats.inc_value(f"talentwatch/pages_{outcome}")
        elif isinstance(item, SourceVisit):
            record_source_fetch(self.db, item.source_id, status=item.status, error=item.error, new_items=item.new_links)
            self.stats.inc_value("talentwatch/sources_failed" if item.error else "talentwatch/sources_ok")
            if item.error:
                logger.warning("source %s failed: %s", item.source_id, item.error)
        return item
