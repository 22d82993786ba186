"""Run every benchmark and print one table; `make bench` also writes it to docs/BENCHMARKS.md.

    python -m bench [--quick] [--only AREA ...] [--output FILE]

Each module of bench/ measures one area and returns its rows (bench.common.Row); they run one after the
other, never side by side, so that one does not slow another down. --quick shrinks every workload (for the
tests: it checks that the benchmarks run, its figures mean little).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

from bench.common import Row, machine, table

# area -> module; the order of the table
AREAS = {
    "extraction": "bench.extract",
    "crawl": "bench.crawl",
    "incremental": "bench.incremental",
    "growth": "bench.growth",
    "scale-up": "bench.scaleup",
}


def document(rows: list[Row], seconds: float, quick: bool) -> str:
    failed = [r for r in rows if r.ok is False]
    verdict = "every target met" if not failed else f"{len(failed)} target(s) missed"
    return "\n".join(
        [
            "# Benchmarks",
            "",
            f"Measured by `make bench` on {time.strftime('%Y-%m-%d')}: {machine()}. "
            f"{'Quick workloads (figures not meaningful). ' if quick else ''}"
            f"The whole run took {seconds / 60:.1f} minutes; {verdict}.",
            "",
            "Times are medians of several runs; each ratio compares measures taken in turn in the same run, so "
            "machine noise hits both sides alike. Every request goes to servers on the loopback interface. "
            "How each figure is measured is in the docstring of its module in bench/.",
            "",
            table(rows),
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small workloads: checks the benchmarks run")
    parser.add_argument("--only", nargs="+", choices=list(AREAS), help="run only these areas")
    parser.add_argument("--output", type=Path, help="also write the table, with its header, to this file")
    args = parser.parse_args(argv)
    started = time.monotonic()
    rows: list[Row] = []
    for area in args.only or list(AREAS):
        print(f"[bench] {area}...", file=sys.stderr, flush=True)
        module = importlib.import_module(AREAS[area])
        area_start = time.monotonic()
        rows += module.rows(quick=args.quick)
        print(f"[bench] {area} done in {time.monotonic() - area_start:.0f} s", file=sys.stderr, flush=True)
    text = document(rows, time.monotonic() - started, args.quick)
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
    # A quick run's workloads are too small for its figures to meet (or mean) anything.
    return 1 if not args.quick and any(r.ok is False for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
