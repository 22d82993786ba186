"""Scenario 26: configuration values of the wrong type, built to hurt: a YAML alias bomb (nine levels of nine
aliases, about 387 million values once expanded) in a duration setting, a document nested 50,000 deep, an
alias that contains itself, and a very long string where a boolean belongs."""

from __future__ import annotations

import time

import pytest

from tests.conftest import BIN
from tests.test_crawl_safety import with_peak_memory

SOURCES = "sources:\n  - {id: f, kind: feed, url: 'http://127.0.0.1:9/feed.xml'}\nsettings:\n"


def alias_bomb(levels: int = 9) -> str:
    anchors = ["&l0 [x, x, x, x, x, x, x, x, x]"]
    anchors += [f"&l{n} [{', '.join([f'*l{n - 1}'] * 9)}]" for n in range(1, levels)]
    return f"[{', '.join(anchors)}]"


HOSTILE = {
    "alias bomb in a duration": f"  delay: {alias_bomb()}\n",
    "nested 50,000 deep": "  delay: " + "[" * 50_000 + "]" * 50_000 + "\n",
    "alias containing itself": "  timeout: &me [1, *me]\n",
    "a 5 MB string as a boolean": f"  allow_private: {'y' * 5_000_000}\n",
}


@pytest.mark.slow
def test_26_hostile_configuration_values(tmp_path, record):
    results = {}
    for n, (name, settings) in enumerate(HOSTILE.items()):
        path = tmp_path / f"s{n}.yaml"
        path.write_text(SOURCES + settings, encoding="utf-8")
        started = time.monotonic()
        result, peak = with_peak_memory([str(BIN / "talentwatch"), "sources", "--sources", str(path)])
        results[name] = (result, time.monotonic() - started, peak)
    record("26 hostile configuration values (alias bomb, 50,000-deep nesting, self-referencing alias, 5 MB string)",
           "; ".join(f"{name}: {len(r.stderr.strip().splitlines())} line(s), {seconds:.2f} s, "
                     f"{peak:.0f} MiB" for name, (r, seconds, peak) in results.items()),
           "each a one-line error, well under a second of its own and bounded memory")  # fmt: skip
    for name, (result, _seconds, peak) in results.items():
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: "), (name, result.stderr[-500:])
        assert len(lines[0]) < 400, (name, lines[0][:500])
        assert peak < 500, (name, peak)
    nested = results["nested 50,000 deep"][0].stderr
    assert "nested too deeply" in nested or "nesting depth" in nested, nested
    assert "aliases are expanded" in results["alias bomb in a duration"][0].stderr
