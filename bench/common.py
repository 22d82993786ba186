"""What every benchmark shares: timing by medians, peak memory of a process, the machine line, and the rows
of the one table `make bench` prints and writes to docs/BENCHMARKS.md.

Timings on a shared 2-core machine are noisy, so a figure is the median of several runs, and a ratio is
taken between measures made in the same run, in turn, so that noise hits both sides alike.
"""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# The talentwatch command of the environment running the benchmark (the virtual environment's).
TALENTWATCH = str(Path(sys.executable).with_name("talentwatch"))


@dataclass
class Row:
    """One line of the benchmark table. `ok` is None when the figure has no target (it is reported only)."""

    area: str  # Extraction, Crawl, Incremental, Growth, Scale-up
    measure: str  # what was measured, e.g. "process, 500 articles"
    value: str  # the figure(s), formatted, e.g. "12.3 articles/s, 7,400 words/s"
    target: str = ""  # the bound, e.g. "<= 1.3"
    ok: bool | None = None


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def medians_in_turn(measures: dict[str, Callable[[], Any]], runs: int) -> dict[str, float]:
    """Median seconds of each measure over `runs` rounds; each round runs every measure once, in turn."""
    samples: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(runs):
        for name, fn in measures.items():
            samples[name].append(timed(fn))
    return {name: statistics.median(values) for name, values in samples.items()}


@dataclass
class Finished:
    seconds: float
    peak_mb: float  # peak resident memory of the process itself
    returncode: int
    stdout: str
    stderr: str
    peak_tree_mb: float = 0.0  # peak of the summed resident memory of the process and all its descendants


def _tree_rss_mb(root: int) -> float:
    """Resident memory of `root` and its descendants now (from /proc; a process gone meanwhile counts 0)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry)
        parents[pid] = int(fields[1])  # after "pid (comm)": state, ppid, ... rss is the 22nd field after comm
        rss[pid] = int(fields[21])
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier += children
    return sum(rss.get(pid, 0) for pid in tree) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _high_water_mb(pid: int) -> float:
    """Peak resident memory of a running process so far (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return 0.0


def run_measured(cmd: Sequence[str], *, env: dict[str, str] | None = None, cwd: str | Path | None = None,
                 timeout: float = 3600, sample_tree: bool = False) -> Finished:  # fmt: skip
    """Run a command to its end; its wall time and its own peak memory. With `sample_tree`, also the peak of
    the memory of the whole process tree, sampled ten times a second (for commands that start worker
    processes, whose memory adds up).

    The peak is the kernel's high-water mark of the command's memory (VmHWM in /proc/PID/status), read every
    10 ms until it exits. Not the ru_maxrss of os.wait4: on Linux that starts from the memory of the process
    that spawned it (a benchmark that has loaded the models reported 411 MB for a 100 MB crawl)."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, env=env, cwd=cwd)
        deadline = start + timeout
        peak_tree, next_sample, peak = 0.0, start, 0.0
        while True:
            peak = max(peak, _high_water_mb(proc.pid))
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            if sample_tree and time.perf_counter() >= next_sample:
                peak_tree = max(peak_tree, _tree_rss_mb(proc.pid))
                next_sample = time.perf_counter() + 0.1
            time.sleep(0.01)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # tell Popen it was reaped
        out.seek(0)
        err.seek(0)
        return Finished(
            seconds, peak or usage.ru_maxrss / 1024, proc.returncode, out.read().decode(errors="replace"),
            err.read().decode(errors="replace"), peak_tree,
        )  # fmt: skip


def peak_mb_self() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def machine() -> str:
    import spacy

    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"spaCy {spacy.__version__}, SQLite {__import__('sqlite3').sqlite_version}"
    )


def check(value: float, bound: float, *, below: bool = True) -> bool:
    return value <= bound if below else value >= bound


def table(rows: Sequence[Row]) -> str:
    """The rows as one Markdown table (readable as plain text too)."""
    lines = ["| area | measure | result | target | met |", "|---|---|---|---|---|"]
    for r in rows:
        met = "" if r.ok is None else ("yes" if r.ok else "**no**")
        lines.append(f"| {r.area} | {r.measure} | {r.value} | {r.target} | {met} |")
    return "\n".join(lines)


def env_for_cli(**extra: str) -> dict[str, str]:
    """The environment for running `talentwatch` as a subprocess: this one, plus `extra`."""
    env = dict(os.environ)
    env.update(extra)
    return env


def area_main(doc: str, rows: Callable[..., list[Row]], quick_help: str, argv: list[str] | None = None) -> int:
    """`python -m bench.<area> [--quick]`: that area's rows as a table; exits 1 when a target is missed,
    except on a quick run, whose workloads are too small to meet (or mean) anything, as `python -m bench`."""
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=quick_help)
    args = parser.parse_args(argv)
    result = rows(quick=args.quick)
    print(table(result))
    return 1 if not args.quick and any(r.ok is False for r in result) else 0
