"""Run the Scrapy crawl of the configured sources into the page store (the fetch stage)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from config import SourcesConfig
from crawler.spiders.sources import SourcesSpider
from store import open_db
from store.pages import stored_urls
from store.sources import sync_sources


def crawl_settings(
    db_path: str | Path, config: SourcesConfig, *, verbose: bool = False, progress: bool = False
) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.setdict(
        {
            "TALENTWATCH_DB": str(db_path),
            "TALENTWATCH_ALLOW_PRIVATE": (
                config.settings.allow_private
                if isinstance(config.settings.allow_private, bool)
                else list(config.settings.allow_private)
            ),
            "TALENTWATCH_MAX_PAGES": config.settings.max_pages,
            "DOWNLOAD_DELAY": config.settings.delay,
            "USER_AGENT": config.settings.user_agent,
            "LOG_LEVEL": "INFO" if verbose else "WARNING",
            "TALENTWATCH_PROGRESS": progress and not verbose,
        },
        priority="cmdline",
    )
    return settings


def run_crawl(
    db_path: str | Path, config: SourcesConfig, *, verbose: bool = False, progress: bool = False
) -> dict[str, Any]:
    """Fetch every source once and store new pages. Returns the crawl's counters.

    Scrapy's reactor can start once per process, so this is called at most once per process.
    """
    db = open_db(db_path)
    sync_sources(db, config.sources)
    known = stored_urls(db)
    db.close()
    process = CrawlerProcess(crawl_settings(db_path, config, verbose=verbose, progress=progress))
    crawler = process.create_crawler(SourcesSpider)
    process.crawl(crawler, sources_config=config, known_urls=known)
    process.start()
    raw = crawler.stats.get_stats() if crawler.stats else {}
    stats = {k.split("/", 1)[1]: v for k, v in raw.items() if k.startswith("talentwatch/")}
    stats["requests"] = raw.get("downloader/request_count", 0)
    stats["finish_reason"] = raw.get("finish_reason")
    stats["sources"] = len(config.sources)
    return stats
