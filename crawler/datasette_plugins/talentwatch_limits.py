"""The limits of `talentwatch serve`, a Datasette plugin (`serve` loads it with --plugins-dir): every request
answers in bounded time and memory, with a response of bounded size, and nothing but GET and HEAD is served.

Datasette's time limit (sql_time_limit_ms) is a progress handler, called between SQLite's instructions, and
Datasette reads a query's rows in whole (up to max_returned_rows) before it renders them. Neither bounds one
instruction that builds a huge value (`printf('%.*c', 900000000, 'x')` is one), nor rows that are each long,
nor the body rendered from them. So:

- no string or blob a query builds or reads is over MAX_VALUE_BYTES (SQLite's length limit: the printf above
  gives NULL, having allocated nothing, after SQLite's loop over its precision, 1.5 s; zeroblob(900000000)
  fails at once with "string or blob too big");
- SQLite's heap in the whole process is at most MAX_SQLITE_HEAP_BYTES, however many columns of such values a
  row has and however many queries run at once (past it a query fails with "out of memory");
- the rows one query reads are at most MAX_RESULT_BYTES of values, so the page rendered from them is bounded;
- a response is at most MAX_RESPONSE_BYTES: a larger one is refused (400) before its first byte is sent, and a
  stream (.csv?_stream=1) is cut there, with a line saying so;
- any other method than GET or HEAD is answered 405.

Each refusal is Datasette's own error page or JSON ({"ok": false, "error": ...}), status 400 or 405.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from datasette import Response, hookimpl
from datasette.utils.asgi import Request

MIB = 1024 * 1024
# Larger than any value talentwatch stores: an article text is at most 200,000 characters, a raw page at most
# 10 MiB (settings.max_bytes) before compression. A 4 MiB string is built in milliseconds.
MAX_VALUE_BYTES = 4 * MIB
MAX_SQLITE_HEAP_BYTES = 128 * MIB
# A page of 1000 articles (_size=max) with their texts fits; 1000 rows of 200 KB each (200 MB) do not.
MAX_RESULT_BYTES = 8 * MIB
MAX_RESPONSE_BYTES = 8 * MIB
# Longer than any URL carries (the canned queries are under 2 KB): a statement is refused before it is parsed.
MAX_SQL_CHARS = 100_000
READ_METHODS = ("GET", "HEAD")

Send = Callable[[dict[str, Any]], Awaitable[None]]


class ResultTooLarge(sqlite3.OperationalError):
    """Raised while rows are read. An OperationalError: Datasette answers it as a query error (400), and
    leaves out a facet whose query raises it."""


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    # printf's width or precision is one loop inside one instruction, which neither the length limit (the
    # value is refused only once built) nor the time limit interrupts: '%.*c' with 2**31 runs 5 s of CPU.
    for name in ("printf", "format"):
        conn.create_function(name, -1, guarded_printf, deterministic=True)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL_CHARS)
    conn.execute(f"PRAGMA hard_heap_limit = {MAX_SQLITE_HEAP_BYTES}")  # process-wide; only ever lowered
    conn.row_factory = bounded_rows(conn.row_factory, MAX_RESULT_BYTES)


# One conversion of SQLite's printf: flags, width and precision (a number or * for the next argument), type.
PRINTF_CONVERSION = re.compile(r"%[-+ 0#,!]*(\*|\d+)?(?:\.(\*|\d*))?l{0,2}([a-zA-Z%])")
_plain = threading.local()


def guarded_printf(fmt: Any, *args: Any) -> Any:
    """SQLite's own printf (run on a private in-memory connection), or NULL without running it when a width
    or precision is over MAX_VALUE_BYTES: NULL is what SQLite's printf gives for a result over the length
    limit, after building it, which is what takes the time."""
    if isinstance(fmt, str):
        position = 0
        for match in PRINTF_CONVERSION.finditer(fmt):
            for part in match.group(1, 2):
                if part == "*":
                    amount = args[position] if position < len(args) else 0
                    position += 1
                else:
                    amount = part or 0
                try:
                    amount = abs(int(amount))
                except (TypeError, ValueError):
                    amount = 0  # SQLite reads a text or NULL argument as 0
                if amount > MAX_VALUE_BYTES:
                    return None
            if match.group(3) != "%":
                position += 1
    conn = getattr(_plain, "conn", None)
    if conn is None:
        conn = _plain.conn = sqlite3.connect(":memory:")
        conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    placeholders = ", ".join("?" * (1 + len(args)))
    return conn.execute(f"SELECT printf({placeholders})", (fmt, *args)).fetchone()[0]


def bounded_rows(make_row: Callable[[sqlite3.Cursor, tuple], Any] | None, budget: int) -> Callable:
    """A row factory that makes rows with `make_row` (Datasette's sqlite3.Row) and raises ResultTooLarge once
    the rows of one cursor (one query: Datasette opens a cursor per query) hold more than `budget` characters
    of text and bytes of blobs (a number counts 8)."""
    read: weakref.WeakKeyDictionary[sqlite3.Cursor, int] = weakref.WeakKeyDictionary()

    def row_factory(cursor: sqlite3.Cursor, values: tuple) -> Any:
        size = read.get(cursor, 0) + sum(len(v) if isinstance(v, str | bytes) else 8 for v in values)
        if size > budget:
            raise ResultTooLarge(
                f"The result is larger than {budget // MIB} MiB, the limit of talentwatch serve: "
                "ask for fewer rows or columns (LIMIT, _size=, _col=)"
            )
        read[cursor] = size
        return make_row(cursor, values) if make_row else values

    return row_factory


@hookimpl
def handle_exception(datasette: Any, request: Request, exception: Exception) -> Callable | None:
    # "string or blob too big" (a stored value over the length limit: DataError, which Datasette's table
    # pages would answer 500) and SQLite's heap limit (MemoryError) are the request's fault, not the server's.
    if isinstance(exception, sqlite3.DataError):
        message = f"{exception} (a string or blob is at most {MAX_VALUE_BYTES // MIB} MiB in talentwatch serve)"
    elif isinstance(exception, MemoryError):
        message = (
            f"out of memory: the queries running need more than {MAX_SQLITE_HEAP_BYTES // MIB} MiB of SQLite's heap"
        )
    else:
        return None

    async def too_large() -> Response:
        return await error_response(datasette, request, 400, "Too large", message)

    return too_large


async def error_response(datasette: Any, request: Request, status: int, title: str, message: str) -> Response:
    """Datasette's error page (error.html), or its error JSON for a .json path."""
    info = {"ok": False, "error": message, "status": status, "title": title}
    if request.path.endswith(".json"):
        return Response.json(info, status=status)
    await datasette.invoke_startup()  # a no-op once the first request has run it; this may be the first
    # without the request: outside the router (a refused method) it has no CSRF token yet
    return Response.html(await datasette.render_template("error.html", info), status=status)


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable:
    def wrap(app: Callable) -> Callable:
        async def bounded(scope: dict[str, Any], receive: Callable, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            request = Request(scope, receive)
            if scope["method"] not in READ_METHODS:
                message = f"talentwatch serve is read-only: {scope['method']} is not allowed, only GET and HEAD"
                response = await error_response(datasette, request, 405, "Method not allowed", message)
                response.headers["Allow"] = ", ".join(READ_METHODS)
                await response.asgi_send(send)
                return

            async def refuse(real_send: Send, size: int) -> None:
                message = (
                    f"The response is larger than {MAX_RESPONSE_BYTES // MIB} MiB ({size:,} bytes or more), "
                    "the limit of talentwatch serve: ask for fewer rows or columns (LIMIT, _size=, _col=)"
                )
                response = await error_response(datasette, request, 400, "Response too large", message)
                await response.asgi_send(real_send)

            await app(scope, receive, CappedSend(send, MAX_RESPONSE_BYTES, refuse))

        return bounded

    return wrap


class CappedSend:
    """The `send` of one ASGI response that passes at most `cap` bytes of body. The response's start is held
    until its first body chunk: a response over the cap from the start (the whole body of a page, or a length
    announced in Content-Length) is replaced by `refuse(send, size)`; a stream that grows past the cap ends
    there with a line saying so. Once the response is refused or cut, further messages are dropped (the
    application may go on writing: Datasette's CSV stream stops at max_csv_mb, which `serve` sets to the cap)."""

    def __init__(self, send: Send, cap: int, refuse: Callable[[Send, int], Awaitable[None]]):
        self.send, self.cap, self.refuse = send, cap, refuse
        self.start: dict[str, Any] | None = None
        self.announced = 0
        self.sent = 0
        self.done = False

    async def __call__(self, message: dict[str, Any]) -> None:
        if self.done:
            return
        if message["type"] == "http.response.start":
            self.start = message
            length = {k.lower(): v for k, v in message.get("headers", [])}.get(b"content-length", b"0")
            self.announced = int(length) if length.isdigit() else 0
            return
        if message["type"] != "http.response.body":
            await self.send(message)
            return
        body = message.get("body", b"")
        if self.sent + len(body) <= self.cap and self.announced <= self.cap:
            if self.start is not None:
                await self.send(self.start)
                self.start = None
            self.sent += len(body)
            self.done = not message.get("more_body", False)
            await self.send(message)
            return
        self.done = True
        if self.start is not None:
            await self.refuse(self.send, max(self.sent + len(body), self.announced))
            return
        note = f"\nThe response was cut at {self.cap // MIB} MiB, the limit of talentwatch serve.\n"
        await self.send({"type": "http.response.body", "body": note.encode(), "more_body": False})
