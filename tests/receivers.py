"""Real local receivers for alerts, on 127.0.0.1: an HTTP server that takes apprise's json:// posts and an
SMTP server (aiosmtpd) that takes its mail, each keeping what it received."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JsonReceiver:
    """Takes POSTs of JSON (apprise's json:// posts {"title", "message", "type", ...}) on a port of
    127.0.0.1; `messages` are the decoded bodies, with the path they were posted to."""

    def __init__(self, port: int = 0):
        self.messages: list[dict[str, Any]] = []
        received = self.messages

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append({**json.loads(body), "path": self.path})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str = "/tw") -> str:
        return f"json://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class MailReceiver:
    """An SMTP server (aiosmtpd) on a port of 127.0.0.1 that wants `user`/`password` (AUTH without TLS:
    loopback only); `messages` are the parsed mails."""

    def __init__(self, user: str, password: str):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list[email.message.EmailMessage] = []
        received = self.messages

        class Handler:
            async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001, N802
                received.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
                return "250 OK"

        def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ANN001
            ok = auth_data.login == user.encode() and auth_data.password == password.encode()
            return AuthResult(success=ok, handled=False)

        self.port = free_port()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # AUTH without TLS: a warning meant for servers off loopback
            self.controller = Controller(
                Handler(), hostname="127.0.0.1", port=self.port, authenticator=authenticate, auth_required=True,
                auth_require_tls=False,
            )  # fmt: skip
            self.controller.start()

    def url(self, user: str, password: str, to: str) -> str:
        return f"mailto://{user}:{password}@127.0.0.1:{self.port}?from=talentwatch@example.org&to={to}&mode=insecure"

    def texts(self) -> list[str]:
        return [m.get_body(preferencelist=("plain",)).get_content() for m in self.messages]

    def stop(self) -> None:
        self.controller.stop()
