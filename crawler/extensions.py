"""Scrapy extension: a one-line progress display on a terminal (`talentwatch crawl` run by hand)."""

from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured


class TerminalProgress:
    """Rewrites one stderr line with requests made and pages stored; silent unless TALENTWATCH_PROGRESS."""

    def __init__(self, stats, stream=sys.stderr, interval: float = 0.3):  # noqa: ANN001
        self.stats, self.stream, self.interval = stats, stream, interval
        self._last = 0.0

    @classmethod
    def from_crawler(cls, crawler):  # noqa: ANN001, ANN206
        if not crawler.settings.getbool("TALENTWATCH_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler.stats)
        crawler.signals.connect(ext.update, signal=signals.response_received)
        crawler.signals.connect(ext.update, signal=signals.item_scraped)
        crawler.signals.connect(ext.finish, signal=signals.spider_closed)
        return ext

    def _line(self) -> str:
        get = self.stats.get_value
        stored = get("talentwatch/pages_new", 0) + get("talentwatch/pages_updated", 0)
        return (
            f"\rCrawling: {get('downloader/response_count', 0)} responses, {stored} pages stored, "
            f"{get('talentwatch/sources_failed', 0)} sources failed"
        )

    def update(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - signal arguments are unused
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self.stream.write(self._line())
            self.stream.flush()

    def finish(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        self.stream.write(self._line() + "\n")
        self.stream.flush()
