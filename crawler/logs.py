"""Where the commands' logs go: a terminal or cron's mail (stderr) gets what needs attention, a log file
(when configured) gets the whole story with timestamps.

Scrapy is started without its own root handler (see `crawler.crawl`), so its records go through these
handlers too.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

# The CLI prints its own reports (summaries, failing sources) on stderr; this logger carries them to the
# log file only, so that they are not printed twice.
REPORT = logging.getLogger("talentwatch.report")


# Scrapy logs "Gave up retrying" as an error; the CLI already reports the source or article that failed,
# so on the console it would only say the same thing twice (the log file keeps it).
REPORTED_ELSEWHERE = ("scrapy.downloadermiddlewares.retry",)


class _NotReports(logging.Filter):
    def __init__(self, verbose: bool):
        super().__init__()
        self.verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith(REPORT.name):
            return False
        return self.verbose or not record.name.startswith(REPORTED_ELSEWHERE)


def configure(stderr_level: int, log_file: str | None = None) -> None:
    """Replace the root handlers: stderr at `stderr_level`, and `log_file` (appended) at INFO."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    root.setLevel(logging.INFO if log_file else stderr_level)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(stderr_level)
    console.addFilter(_NotReports(verbose=stderr_level <= logging.INFO))
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(console)
    if log_file:
        path = Path(log_file)
        if not path.parent.exists():
            raise FileNotFoundError(f"log file directory {path.parent} does not exist")
        handler = logging.FileHandler(path, encoding="utf-8")
        handler.setLevel(logging.INFO)
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d [%(name)s] %(levelname)s: %(message)s"))
        root.addHandler(handler)
    # These libraries' INFO records say nothing a user of talentwatch can act on.
    for noisy in ("urllib3", "asyncio", "filelock"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
