"""`make bench`'s orchestrator and the scale-up benchmark, on a quick workload (the figures mean nothing
here; that the command runs end to end and reports what it ran does)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow


def test_bench_quick_scale_up_writes_one_table(tmp_path, capsys):
    from bench.__main__ import main

    output = tmp_path / "BENCHMARKS.md"
    assert main(["--quick", "--only", "scale-up", "--output", str(output)]) == 0
    text = output.read_text(encoding="utf-8")
    assert text == capsys.readouterr().out.rstrip("\n") + "\n"
    assert "Quick workloads" in text and "cores" in text and "SQLite" in text
    rows = [line for line in text.splitlines() if line.startswith("| Scale-up |")]
    assert [re.search(r"--workers (\d+)", r).group(1) for r in rows] == ["1", "2"]
    for row in rows:
        seconds, per_second, memory = re.search(r"([\d.]+) s, ([\d.]+) articles/s, peak ([\d,]+) MB", row).groups()
        assert float(seconds) > 0 and float(per_second) > 0
        assert int(memory.replace(",", "")) > 50, "the process tree's memory holds at least one spaCy model"
    assert "speed-up" in rows[1]


def test_a_commands_peak_memory_is_its_own_not_the_benchmarks():
    """ru_maxrss from wait4 starts at the memory of the spawning process: a benchmark holding the models
    reported them as the crawl's. The peak must be the command's own."""
    import sys

    from bench.common import run_measured

    ballast = bytearray(300 * 2**20)  # this process: 300 MB more
    ballast[::4096] = b"x" * len(ballast[::4096])  # touched, so resident
    small = run_measured(
        [
            sys.executable,
            "-c",
            "import time; b = bytearray(40 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(0.2)",
        ]
    )
    assert small.returncode == 0
    assert 40 < small.peak_mb < 200, small.peak_mb
    del ballast
