"""The reliability suite's figures: each scenario records what it measured next to the bound it must meet,
and the session writes them as a Markdown table (tests/output/reliability.md; `make reliability` also
copies it to docs/RELIABILITY.md).

The tests assert the bounds; the table is the evidence, measured on the machine that ran them.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

FIGURES: list[dict[str, str]] = []
OUTPUT = ROOT / "tests" / "output" / "reliability.md"


@pytest.fixture()
def record(request):
    """record(scenario, measured, bound): one row of the table, kept whether or not the test then passes."""

    def add(scenario: str, measured: str, bound: str) -> None:
        FIGURES.append({"scenario": scenario, "measured": measured, "bound": bound, "test": request.node.name})

    return add


def render() -> str:
    lines = [
        "# Reliability and security: what was measured",
        "",
        f"Measured by `make reliability` (the same tests run in `make test`) on {time.strftime('%Y-%m-%d')}, "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. Every request goes "
        "to servers on the loopback interface. Each row is asserted by the named test in tests/reliability/.",
        "",
        "| scenario | measured | must be | test |",
        "|---|---|---|---|",
    ]
    for row in sorted(FIGURES, key=lambda r: r["scenario"]):
        lines.append(f"| {row['scenario']} | {row['measured']} | {row['bound']} | `{row['test']}` |")
    return "\n".join(lines) + "\n"


def pytest_sessionfinish(session, exitstatus):  # noqa: ANN001, ARG001
    if not FIGURES:
        return
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(render(), encoding="utf-8")
    target = os.environ.get("RELIABILITY_DOC")
    if target:
        Path(target).write_text(render(), encoding="utf-8")
