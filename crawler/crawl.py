"""Run the Scrapy crawl of the configured sources into the page store (the fetch stage)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from config import SourcesConfig
from crawler.interrupt import stopping_gracefully
from store import StoreError, open_db
from store.sources import conditional_state, due_source_ids, sync_sources

if TYPE_CHECKING:
    from scrapy.settings import Settings

# Scrapy 2.19 with the asyncio reactor starts a download as a task, so with a zero delay one pass over a
# host's queue dispatches every queued request before any counts as transferring: one connection per host
# becomes many. Any positive delay takes the code path that waits for the slot, hence this floor.
MIN_DELAY = 0.001


def crawl_settings(
    db_path: str | Path, config: SourcesConfig, *, verbose: bool = False, progress: bool = False
) -> Settings:
    from scrapy.settings import Settings

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
            "TALENTWATCH_MAX_SITEMAP_DEPTH": config.settings.max_sitemap_depth,
            "TALENTWATCH_MAX_SITEMAP_CHILDREN": config.settings.max_sitemap_children,
            "TALENTWATCH_MAX_CRAWL_DELAY": config.settings.max_crawl_delay,
            "TALENTWATCH_MAX_RETRY_AFTER": config.settings.max_retry_after,
            "TALENTWATCH_MIN_INTERVAL": config.settings.min_interval,
            "TALENTWATCH_MAX_INTERVAL": config.settings.max_interval,
            "TALENTWATCH_AGGREGATORS": list(config.settings.aggregators),
            "DOWNLOAD_DELAY": max(config.settings.delay, MIN_DELAY),
            "DOWNLOAD_TIMEOUT": config.settings.timeout,
            "DOWNLOAD_MAXSIZE": config.settings.max_bytes,
            "DOWNLOAD_WARNSIZE": min(config.settings.max_bytes, 4 * 1024 * 1024),
            "RETRY_TIMES": config.settings.retries,
            "USER_AGENT": config.settings.user_agent,
            "LOG_LEVEL": "INFO" if verbose else "WARNING",
            # The CLI has set up stderr and the log file (crawler.logs); Scrapy's records go through them.
            "LOG_INSTALL_ROOT_HANDLER": False,
            "TALENTWATCH_PROGRESS": progress and not verbose,
        },
        priority="cmdline",
    )
    return settings


def run_crawl(
    db_path: str | Path,
    config: SourcesConfig,
    *,
    due_only: bool = False,
    verbose: bool = False,
    progress: bool = False,
) -> dict[str, Any]:
    """Fetch the sources (with `due_only`, those whose next check has come) and store new pages.
    Returns the crawl's counters.

    Scrapy's reactor can start once per process, so this is called at most once per process.
    """
    db = open_db(db_path)
    sync_sources(db, config.sources)
    sources = config.sources
    if due_only:
        due = due_source_ids(db, [s.id for s in sources])
        sources = tuple(s for s in sources if s.id in due)
    conditional = conditional_state(db)
    db.close()
    stats: dict[str, Any] = {"sources": len(sources), "sources_not_due": len(config.sources) - len(sources)}
    if not sources:
        return stats
    # Scrapy is imported only now: an hourly run with no source due does not pay for it.
    from scrapy.crawler import CrawlerProcess

    from crawler.spiders.sources import SourcesSpider

    process = CrawlerProcess(crawl_settings(db_path, config, verbose=verbose, progress=progress))
    crawler = process.create_crawler(SourcesSpider)
    visiting = SourcesConfig(sources, config.settings, config.files)
    process.crawl(crawler, sources_config=visiting, conditional=conditional)
    from twisted.internet import reactor

    # Scrapy's own handlers would end a stopped crawl as if it had finished, and stay installed after it.
    with stopping_gracefully(lambda: reactor.callFromThread(process.stop),
                             lambda: reactor.callFromThread(reactor.stop)):  # fmt: skip
        process.start(install_signal_handlers=False)
    raw = crawler.stats.get_stats() if crawler.stats else {}
    stats.update({k.split("/", 1)[1]: v for k, v in raw.items() if k.startswith("talentwatch/")})
    stats["requests"] = raw.get("downloader/request_count", 0)
    stats["finish_reason"] = raw.get("finish_reason")
    if raw.get("storage_error"):
        raise StoreError(
            f"could not save to {db_path} ({raw['storage_error']}): the crawl stopped; what was saved before it "
            "is kept and the next run fetches the rest"
        )
    return stats
