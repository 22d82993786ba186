"""Item pipeline: pages and source visits go to the SQLite store (idempotent upserts)."""

from __future__ import annotations

import logging

from crawler.items import PageItem, SourceValidators, SourceVisit
from store import open_db
from store.pages import save_page
from store.sources import Schedule, record_source_fetch, record_validators

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, db_path: str, stats, schedule: Schedule):  # noqa: ANN001 - Scrapy stats collector
        self.db_path = db_path
        self.stats = stats
        self.schedule = schedule
        self.db = None

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        settings = crawler.settings
        schedule = Schedule(
            settings.getfloat("TALENTWATCH_MIN_INTERVAL", 3600.0),
            settings.getfloat("TALENTWATCH_MAX_INTERVAL", 86400.0),
        )
        return cls(settings.get("TALENTWATCH_DB"), crawler.stats, schedule)

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
        return item
