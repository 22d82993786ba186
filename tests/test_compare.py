"""Initiatives side by side (issue 18): profiles read from facts and events, pinned on the multi-outlet
fixture, and `talentwatch compare` on the demo database."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest

from config import load_compare_measures
from store import open_db
from store.profiles import initiative_profiles
from tests.conftest import talentwatch
from tests.outlets import build

MEASURES = load_compare_measures()


@pytest.fixture(scope="module")
def profiles_db(resources):
    db = open_db(memory=True)
    build(db, resources)
    return db


@pytest.fixture(scope="module")
def profiles(profiles_db):
    db = profiles_db
    ids = ["us-tech-force", "entrepreneurs-d-interet-general", "united-states-digital-service"]
    return {p.initiative_id: p for p in initiative_profiles(db, MEASURES, ids, today=date(2026, 1, 1))}


def test_process_keeps_the_profiles_datasette_shows(profiles_db):
    from store.schema import COMPARE_MEASURES

    assert list(COMPARE_MEASURES) == [m["name"] for m in MEASURES]  # the comparison view's columns
    row = next(profiles_db.query("SELECT * FROM comparison WHERE initiative = 'US Tech Force'"))
    assert "1,000" in row["hires"] and row["term"].startswith("2 years") and row["salary"].startswith("disputed")
    assert row["staff"] is None and row["status"] == "active"
    values = {v["measure"]: v for v in profiles_db.query(
        "SELECT * FROM profile_values WHERE initiative_id = 'us-tech-force'")}  # fmt: skip
    assert values["term"]["months"] == 24 and values["hires"]["value"] == 1000
    assert profiles_db["profiles"].count == len(list(profiles_db.query(
        "SELECT DISTINCT initiative_id FROM (SELECT initiative_id FROM facts UNION SELECT initiative_id FROM events)"
        " WHERE initiative_id IS NOT NULL")))  # fmt: skip


def test_profiles_left_stale_by_a_killed_run_are_rebuilt_by_the_next_process(profiles_db, resources):
    from crawler.process import process_pages

    before = list(profiles_db.query("SELECT * FROM profile_values ORDER BY initiative_id, measure"))
    with profiles_db.conn:  # as if a run had died after consolidating, before the profiles were saved
        profiles_db.execute("DELETE FROM profile_values WHERE initiative_id = 'us-tech-force'")
    process_pages(profiles_db, resources)  # nothing new to extract
    assert list(profiles_db.query("SELECT * FROM profile_values ORDER BY initiative_id, measure")) == before


def test_a_profile_holds_the_agreed_values_and_every_claim_of_a_dispute(profiles):
    force = profiles["us-tech-force"].measures
    assert force["hires"].status == "agreed" and "1,000" in force["hires"].label
    assert force["term"].label == "2 years" and force["term"].outlets == 3
    salary = force["salary"]
    assert salary.status == "disputed" and len(salary.claims) == 2
    assert {c["label"].lstrip("~") for c in salary.claims} == {"130,000–195,000 USD/year", "150,000–200,000 USD/year"}
    assert all(c["url"] and c["reported_by"] for c in salary.claims)
    assert force["partners"].status == "disputed" and len(force["partners"].claims) == 2
    assert force["hires"].age_days == (date(2026, 1, 1) - date.fromisoformat(force["hires"].date)).days


def test_the_latest_value_wins_by_date_and_a_measure_without_a_fact_stays_empty(profiles):
    eig = profiles["entrepreneurs-d-interet-general"].measures
    assert eig["hires"].label.startswith("60"), eig["hires"]  # the 2022 cohort, not 2018's 28 or 2020's 45
    assert eig["term"].label == "10 months"
    usds = profiles["united-states-digital-service"]
    # it has resignations and layoffs, which are neither hires nor staff: nothing is taken from them
    assert usds.measures["hires"] is None and usds.measures["staff"] is None
    assert usds.status == "active" and usds.status_event is None


@pytest.mark.slow
def test_compare_on_the_demo_database(demo_db, tmp_path):
    report = talentwatch("compare", "--format", "markdown", db=demo_db).stdout
    table, _, footnotes = report.partition("\n\n")
    rows = [line for line in table.splitlines()[2:] if line.startswith("| ")]
    assert len(rows) >= 8
    countries = {row.split(" | ")[1] for row in rows}
    assert {"FR", "US"} <= countries
    force = next(row for row in rows if row.startswith("| US Tech Force |"))
    assert "1,000" in force and "2 years" in force and "disputed" in force and "USD/year" in force
    # every cell's footnote exists and names where the value was read
    markers = re.findall(r"\[\^(\d+)\]", table)
    notes = dict(re.findall(r"^\[\^(\d+)\]: (.+)$", footnotes, re.MULTILINE))
    assert markers and set(markers) == set(notes) and all("<http" in n for n in notes.values())
    assert next(row for row in rows if row.startswith("| 18F |")).split(" | ")[3].startswith("closed 2025-03-01")

    chosen = json.loads(talentwatch("compare", "USDS", "us tech force", "--format", "json", db=demo_db).stdout)
    assert [p["initiative"] for p in chosen] == ["United States Digital Service", "US Tech Force"]
    assert chosen[1]["measures"]["salary"]["claims"] and chosen[1]["measures"]["staff"] is None

    out = tmp_path / "fr.csv"
    talentwatch("compare", "--country", "fr", "--format", "csv", "-o", str(out), db=demo_db)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert rows and {r["country"] for r in rows} == {"FR"}

    wrong = talentwatch("compare", "US Tech Farce", db=demo_db, check=False)
    assert wrong.returncode == 1 and wrong.stderr.strip().count("\n") == 0
    assert "US Tech Force" in wrong.stderr and "closest" in wrong.stderr


def test_a_measure_of_an_unknown_kind_is_a_one_line_configuration_error(tmp_path):
    from config import ConfigError

    path = tmp_path / "compare.yaml"
    path.write_text("measures:\n  - {name: hires, title: Hires, kind: people, what: [hires]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"measures\[0\]\.kind"):
        load_compare_measures(path)


@pytest.mark.slow
def test_the_readme_compare_recipes_run_as_written(demo_db, tmp_path):
    import shutil
    import subprocess

    from tests.conftest import ROOT

    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Comparing initiatives", 1)[1].split("\n## ")[0]
    recipes = [line for line in re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1).splitlines() if line]
    shutil.copy(demo_db, tmp_path / "tw.db")
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    assert len(recipes) == 3
    for recipe in recipes:
        result = subprocess.run(["/bin/sh", "-c", recipe], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and result.stderr == "", (recipe, result.stderr)
    assert "US Tech Force" in (tmp_path / "initiatives.md").read_text(encoding="utf-8")
    assert (tmp_path / "initiatives-fr.csv").read_text(encoding="utf-8").count("\n") >= 5
