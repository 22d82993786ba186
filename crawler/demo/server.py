"""Serve the demo corpus on 127.0.0.1, with `__BASE__` in every file replaced by the server's own URL."""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

DEMO_DIR = Path(__file__).resolve().parent
SITE_DIR = DEMO_DIR / "site"
TOKEN = "__BASE__"
TYPES = {".xml": "application/xml", ".html": "text/html", ".txt": "text/plain"}


def _handler(site: Path, base: dict[str, str]) -> type[BaseHTTPRequestHandler]:
    class DemoHandler(BaseHTTPRequestHandler):
        server_version = "talentwatch-demo/1"

        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            path = unquote(urlsplit(self.path).path).lstrip("/") or "index.html"
            target = (site / path).resolve()
            if site not in target.parents or not target.is_file():
                self.send_error(404)
                return
            body = target.read_bytes().replace(TOKEN.encode(), base["url"].encode())
            ctype = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            self.send_response(200)
            self.send_header(
                "Content-Type", f"{ctype}; charset=utf-8" if ctype.startswith(("text", "application/xml")) else ctype
            )
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence per-request logs
            pass

    return DemoHandler


@contextmanager
def serve_demo_site(site: Path = SITE_DIR, port: int = 0) -> Iterator[str]:
    """Serve `site` on a free port of 127.0.0.1 in a background thread; yields the base URL."""
    base: dict[str, str] = {}
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(site, base))
    server.daemon_threads = True
    base["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
    thread.start()
    try:
        yield base["url"]
    finally:
        server.shutdown()
        server.server_close()


def demo_sources_text(base_url: str) -> str:
    """The demo sources file with the server's URL in place of `__BASE__`."""
    return (DEMO_DIR / "sources.yaml").read_text(encoding="utf-8").replace(TOKEN, base_url)


if __name__ == "__main__":  # `python -m crawler.demo.server`: serve the corpus by hand
    import time

    with serve_demo_site() as url:
        print(f"demo corpus at {url}/ (Ctrl-C to stop)", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
