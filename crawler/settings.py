"""Scrapy settings of the talentwatch project (`scrapy.cfg` points here).

`talentwatch crawl` overrides the per-run values (database, delay, user agent, allowed private
networks) from the sources file at command-line priority.
"""

BOT_NAME = "talentwatch"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
ADDONS = {}

USER_AGENT = "talentwatch/0.1 (+https://github.com/talentwatch/talentwatch)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# Scrapy starts this many asyncio tasks for every callback's output, however few items it yields; the store
# pipeline is synchronous (SQLite), so more than one buys nothing and the default (100) cost 100 tasks per page.
CONCURRENT_ITEMS = 1
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0  # Scrapy's default +-50% would go below the configured delay
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
# No control channel into a crawl: Scrapy's telnet console and its remote-control HTTP server (on by default
# in recent Scrapy; it runs Python sent with a token it writes to a job file in the user's state directory) stay off.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "WARNING"
FEED_EXPORT_ENCODING = "utf-8"

DOWNLOADER_MIDDLEWARES = {
    # A redirect hop is paced as a request to its own host, not to the host that redirected.
    "crawler.politeness.RedirectSlot": 40,
    # Before robots.txt and everything else, so no request of any kind reaches a forbidden scheme or IP literal.
    "crawler.middlewares.PrivateAddressGuard": 50,
    # RFC 9309 robots.txt (5xx = disallowed, cached a day, Crawl-delay) and Retry-After, in place of Scrapy's
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.politeness.PoliteRobotsMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.politeness.RetryAfterMiddleware": 550,
    # A host name the resolver refused is reported as refused, before the retry middleware would retry it.
    "crawler.middlewares.ResolverRefusal": 560,
}
# Host names are checked on the addresses they resolve to, as the connection is made (crawler.resolver).
TWISTED_DNS_RESOLVER = "crawler.resolver.AddressGuardResolver"
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    "scrapy.extensions.remote_control.RemoteControl": None,
    "crawler.extensions.TerminalProgress": 500,
}
ITEM_PIPELINES = {
    "crawler.pipelines.StorePipeline": 300,
}

# talentwatch's own settings
TALENTWATCH_DB = "talentwatch.db"
TALENTWATCH_ALLOW_PRIVATE = []  # True, or CIDR networks that may be reached although private
TALENTWATCH_MAX_PAGES = 5  # listing pagination depth
TALENTWATCH_MAX_CRAWL_DELAY = 30.0  # seconds; a longer robots.txt Crawl-delay is capped
TALENTWATCH_MAX_RETRY_AFTER = 120.0  # seconds; a longer Retry-After gives up until the next run
TALENTWATCH_AGGREGATORS = ["news.google.com"]  # hosts whose feed item links are redirect stubs
TALENTWATCH_PROGRESS = False  # one-line progress on stderr; the CLI turns it on for a terminal
