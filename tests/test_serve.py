"""`talentwatch serve` starts Datasette on 127.0.0.1 with our metadata and settings."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from store import open_db
from tests.conftest import BIN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.slow
def test_serve_answers_with_metadata_and_without_download(tmp_path):
    db_path = tmp_path / "tw.db"
    open_db(db_path).close()
    port = free_port()
    proc = subprocess.Popen(
        [str(BIN / "talentwatch"), "serve", str(db_path), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = get(f"{base}/-/versions.json")
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise AssertionError(
                        proc.stdout.read().decode() if proc.poll() is not None else "no answer"
                    ) from None
                time.sleep(0.3)
        assert status == 200
        status, body = get(f"{base}/-/settings.json")
        settings = json.loads(body)
        assert settings["allow_download"] is False and settings["sql_time_limit_ms"] == 3000
        status, body = get(f"{base}/tw/timeline.json")
        assert status == 200
        status, body = get(f"{base}/tw/initiative_timeline.json?initiative=US+Tech+Force")
        assert status == 200
        assert get(f"{base}/tw.db")[0] == 403
        status, body = get(f"{base}/tw/figures")
        assert status == 200 and b"Numbers stated in articles" in body
    finally:
        proc.terminate()
        proc.wait(timeout=10)
