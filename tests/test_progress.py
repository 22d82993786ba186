import io

from scrapy.utils.test import get_crawler

from crawler.extensions import TerminalProgress


def test_progress_line_counts_responses_pages_and_failures():
    crawler = get_crawler()
    crawler.stats.open_spider()
    stream = io.StringIO()
    progress = TerminalProgress(crawler.stats, stream=stream, interval=0)
    crawler.stats.set_value("downloader/response_count", 7)
    crawler.stats.set_value("talentwatch/pages_new", 4)
    crawler.stats.set_value("talentwatch/pages_updated", 1)
    crawler.stats.set_value("talentwatch/sources_failed", 2)
    progress.update()
    progress.finish()
    assert stream.getvalue().endswith("\rCrawling: 7 responses, 5 pages stored, 2 sources failed\n")


def test_progress_is_off_unless_asked():
    import pytest
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        TerminalProgress.from_crawler(get_crawler(settings_dict={"TALENTWATCH_PROGRESS": False}))
