"""The operating system's name lookup, as scenario 18's crawler subprocess sees it (this directory is put on
its PYTHONPATH): names listed in the JSON file TALENTWATCH_TEST_NAMES answer from it, every other name as usual.

Only the C library's answer is replaced (socket.getaddrinfo and socket.gethostbyname, what Twisted's resolvers
call in their threads); everything above it, Scrapy's and the crawler's resolver included, runs as in
production. Each name lists one answer per lookup, the last one repeating, so a name can answer an allowed
address first and a forbidden one after (DNS rebinding). Each lookup is appended to the file + ".lookups".
"""

from __future__ import annotations

import json
import os
import socket
import threading

TABLE = os.environ.get("TALENTWATCH_TEST_NAMES")

if TABLE:
    with open(TABLE, encoding="utf-8") as file:
        NAMES: dict[str, list[str]] = json.load(file)
    LOCK = threading.Lock()
    COUNTS: dict[str, int] = {}
    system_getaddrinfo, system_gethostbyname = socket.getaddrinfo, socket.gethostbyname

    def answer(host: str) -> str:
        with LOCK:
            n = COUNTS.get(host, 0)
            COUNTS[host] = n + 1
            address = NAMES[host][min(n, len(NAMES[host]) - 1)]
            with open(TABLE + ".lookups", "a", encoding="utf-8") as log:
                log.write(f"{host} {address}\n")
        return address

    def getaddrinfo(host, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        name = host.decode() if isinstance(host, bytes) else host
        return system_getaddrinfo(answer(name) if name in NAMES else host, *args, **kwargs)

    def gethostbyname(host):  # noqa: ANN001, ANN202
        return answer(host) if host in NAMES else system_gethostbyname(host)

    socket.getaddrinfo = getaddrinfo
    socket.gethostbyname = gethostbyname
