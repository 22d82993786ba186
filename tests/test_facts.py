"""Facts: mentions consolidated per initiative, kind and counted thing, with outlets and disputes.

The rules are pinned on plain rows (`build_facts`, no models), then end to end on the multi-outlet fixture
(tests/fixtures/outlets/): real pages, real models, `process_pages`, in several orders and with workers."""

from __future__ import annotations

import random

import pytest

from store import open_db
from store.facts import build_events, build_facts
from tests.outlets import build, facts_of, outlet_pages, score_facts


def row(n: int, value=None, *, article=None, outlet="A", reported="2025-12-15", measure="hires", what=None,
        kind="headcount", unit="person", period=None, approx=0, as_of=None, lo=None, hi=None):  # fmt: skip
    """A figure row as consolidation reads it."""
    return {
        "id": f"f{n}", "article_id": article or f"a{n}", "outlet": outlet, "reported": reported,
        "kind": kind, "value": value, "min": lo, "max": hi, "unit": unit, "currency": unit if kind == "salary" else None,
        "period": period, "what": what or measure, "measure": measure, "approx": approx, "as_of": as_of,
        "subject": "US Tech Force", "initiative_id": "us-tech-force", "label": f"{value or lo} {what or measure}",
        "sentence": f"sentence {n}", "url": f"https://{outlet.lower()}.example/{n}", "title": f"title {n}",
    }  # fmt: skip


def summary(facts):
    return sorted(
        (f["what"], f["status"], f["outlets"], tuple(sorted((c["value"], c["min"], c["max"], c["outlets"]) for c in f["claim_rows"])))
        for f in facts
    )  # fmt: skip


def test_the_same_value_from_three_outlets_is_one_fact():
    facts = build_facts([row(1, 1000, outlet="A"), row(2, 1000, outlet="B"), row(3, 1000, outlet="C")], 60)
    assert summary(facts) == [("hires", "agreed", 3, ((1000, None, None, 3),))]
    assert facts[0]["articles"] == 3 and facts[0]["first_reported"] == "2025-12-15"


def test_one_outlet_is_single_and_two_feeds_of_one_site_are_one_outlet():
    facts = build_facts([row(1, 1000, outlet="Site"), row(2, 1000, outlet="Site")], 60)
    assert summary(facts) == [("hires", "single", 1, ((1000, None, None, 1),))]


def test_approximations_agree_with_their_value_but_a_score_is_not_twenty_five():
    agree = build_facts(
        [row(1, 25, approx=1, outlet="A"), row(2, 25, approx=1, outlet="B"), row(3, 25, outlet="C")], 60
    )
    assert summary(agree) == [("hires", "agreed", 3, ((25, None, None, 3),))]
    dispute = build_facts([row(1, 25, approx=1, outlet="A"), row(2, 20, approx=1, outlet="B")], 60)
    assert summary(dispute) == [("hires", "disputed", 2, ((20, None, None, 1), (25, None, None, 1)))]
    assert dispute[0]["value"] is None and "vs" in dispute[0]["label"]


def test_different_ranges_from_different_outlets_are_one_disputed_fact():
    rows = [
        row(1, kind="salary", unit="USD", measure="salary", period="year", lo=130000, hi=195000, outlet="A"),
        row(2, kind="salary", unit="USD", measure="salary", period=None, lo=130000, hi=195000, outlet="B"),
        row(3, kind="salary", unit="USD", measure="salary", period="year", lo=150000, hi=200000, outlet="C",
            reported="2025-12-18"),
    ]  # fmt: skip
    facts = build_facts(rows, 60)
    # the range said without its period takes the period of the same range said with it
    assert summary(facts) == [("salary", "disputed", 3, ((None, 130000, 195000, 2), (None, 150000, 200000, 1)))]
    assert facts[0]["period"] == "year" and facts[0]["claims"] == 2


def test_values_within_one_article_never_dispute():
    facts = build_facts([row(1, 12, article="x", outlet="A"), row(2, 17, article="x", outlet="A"),
                         row(3, 17, outlet="B")], 60)  # fmt: skip
    assert summary(facts) == [
        ("hires", "agreed", 2, ((17, None, None, 2),)),
        ("hires", "single", 1, ((12, None, None, 1),)),
    ]


def test_values_further_apart_than_the_window_are_a_series():
    rows = [row(1, 20, outlet="A", reported="2018-09-01"), row(2, 30, outlet="B", reported="2020-09-01"),
            row(3, 45, outlet="C", reported="2022-09-01")]  # fmt: skip
    assert [f["status"] for f in build_facts(rows, 60)] == ["single"] * 3
    # with a window of three years they would be one disputed fact: the window is a setting
    assert [f["status"] for f in build_facts(rows, 3 * 366)] == ["disputed"]


def test_values_for_different_stated_years_do_not_dispute():
    rows = [row(1, 28, outlet="A", as_of="2018"), row(2, 45, outlet="B", as_of="2020")]
    assert sorted(f["status"] for f in build_facts(rows, 60)) == ["single", "single"]


def test_the_same_outlet_giving_two_values_is_not_a_dispute():
    rows = [row(1, 90, outlet="A"), row(2, 100, outlet="A", reported="2025-12-20")]
    assert sorted(f["status"] for f in build_facts(rows, 60)) == ["single", "single"]


def test_a_noun_that_only_says_who_takes_the_measure_of_the_same_value():
    rows = [row(1, 1000, measure=None, what="technologists", outlet="A"), row(2, 1000, outlet="B"),
            row(3, 300, measure=None, what="engineers", outlet="C")]  # fmt: skip
    assert summary(build_facts(rows, 60)) == [
        ("engineers", "single", 1, ((300, None, None, 1),)),
        ("hires", "agreed", 2, ((1000, None, None, 2),)),
    ]


def test_facts_do_not_depend_on_the_order_of_their_rows():
    rows = [row(i, v, outlet=o, reported=d) for i, (v, o, d) in enumerate(
        [(1000, "A", "2025-12-15"), (1000, "B", "2025-12-16"), (900, "C", "2025-12-20"), (20, "A", "2018-01-01"),
         (25, "B", "2018-01-05"), (30, "D", "2021-06-01")])]  # fmt: skip
    expected = build_facts(rows, 60)
    for seed in range(5):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        assert build_facts(shuffled, 60) == expected


def test_reports_of_one_launch_are_one_event_and_a_later_launch_another():
    def event(n, outlet, reported, as_of=None):
        return {"id": f"e{n}", "article_id": f"a{n}", "outlet": outlet, "reported": reported, "as_of": as_of,
                "type": "launch", "subject": "US Tech Force", "initiative_id": "us-tech-force",
                "detail": f"detail {n}", "sentence": "s", "url": "u", "title": "t"}  # fmt: skip

    events = build_events(
        [event(1, "A", "2025-12-15"), event(2, "B", "2025-12-18"), event(3, "C", "2026-01-05"),
         event(4, "A", "2026-11-01"), event(5, "D", "2026-11-20", as_of="2025-12-15")], 60
    )  # fmt: skip
    # the last one states the launch's date: it is a late report of the first launch
    assert [(e["date"], e["outlets"], e["articles"]) for e in events] == [("2025-12-15", 4, 4), ("2026-11-01", 1, 1)]
    assert events[0]["detail"] == "detail 1"


# -- end to end, on the multi-outlet fixture ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def outlets_db(resources):
    db = open_db(memory=True)
    build(db, resources)
    return db


def test_the_multi_outlet_fixture_consolidates_into_its_facts(outlets_db):
    score = score_facts(outlets_db)
    assert score.misses == []
    assert (score.found, score.disputes_found, score.duplicates, score.leaked) == (score.expected, 2, 0, 0)


def test_figures_about_someone_else_stay_off_every_timeline(outlets_db):
    about = {r[0]: r[1] for r in outlets_db.execute("SELECT value, subject FROM figures WHERE value IN (300000, 3600)")}
    assert about == {300000: None, 3600: None}
    assert not list(outlets_db.query("SELECT * FROM timeline WHERE value IN (300000, 3600)"))


def test_every_figure_of_a_fact_points_to_it_and_the_timeline_has_one_row_per_fact(outlets_db):
    facts = outlets_db.execute("SELECT count(*) FROM facts").fetchone()[0]
    rows = outlets_db.execute("SELECT count(*), count(DISTINCT id) FROM timeline WHERE item = 'fact'").fetchone()
    assert rows == (facts, facts)
    orphans = outlets_db.execute(
        "SELECT count(*) FROM figures f JOIN articles a ON a.id = f.article_id"
        " WHERE f.initiative_id IS NOT NULL AND f.kind != 'date' AND f.fact_id IS NULL"
    ).fetchone()[0]
    assert orphans == 0
    assert not list(outlets_db.query("SELECT * FROM timeline WHERE kind = 'date'"))


def test_facts_do_not_depend_on_processing_order_batches_or_workers(outlets_db, resources):
    expected = facts_of(outlets_db)
    reversed_db = open_db(memory=True)
    build(reversed_db, resources, list(reversed(outlet_pages())))
    assert facts_of(reversed_db) == expected
    # incrementally: half the pages in one run, the rest in a second
    stepwise = open_db(memory=True)
    pages = outlet_pages()
    build(stepwise, resources, pages[::2])
    build(stepwise, resources, pages[1::2])
    assert facts_of(stepwise) == expected


def test_facts_are_the_same_with_two_workers(outlets_db, resources, tmp_path):
    db = open_db(tmp_path / "workers.db")
    build(db, resources, workers=2)
    assert facts_of(db) == facts_of(outlets_db)


def test_a_disputing_article_arriving_later_changes_the_fact_and_raises_it(resources):
    db = open_db(memory=True)
    pages = outlet_pages()
    french = [p for p in pages if p.name == "lettre-numerique-tech-force.html"]
    build(db, resources, [p for p in pages if p not in french])
    before = db.execute("SELECT id, seq, status, change FROM facts WHERE kind = 'salary'").fetchone()
    assert before[2] == "agreed" and before[3] == "new"
    build(db, resources, french)
    after = db.execute("SELECT id, seq, status, change, claims FROM facts WHERE kind = 'salary'").fetchone()
    assert after[0] == before[0] and after[2:] == ("disputed", "disputed", 2) and after[1] > before[1]
    # the headcount gained an outlet; the EIG facts did not change and keep their place
    hires = db.execute("SELECT outlets, change FROM facts WHERE what = 'hires'").fetchone()
    assert hires == (3, "new outlet")


def test_reprocess_rebuilds_the_same_facts(outlets_db, resources, tmp_path):
    from crawler.process import process_pages

    db = open_db(tmp_path / "re.db")
    build(db, resources)
    expected = facts_of(db)
    db.execute("DELETE FROM claims")
    db.execute("UPDATE figures SET fact_id = NULL")
    db.execute("DELETE FROM facts")
    process_pages(db, resources, reprocess=True)
    assert facts_of(db) == expected == facts_of(outlets_db)


def test_a_digest_shows_every_claim_of_a_disputed_fact(outlets_db):
    import io

    from store.export import iter_facts, snapshot
    from store.formats import write_facts_markdown

    out = io.StringIO()
    with snapshot(outlets_db):
        write_facts_markdown(iter_facts(outlets_db), out)
    digest = out.getvalue()
    # the counted thing is not repeated when it is the kind itself
    assert "salary, salary" not in digest
    salary = digest[digest.index("**salary: disputed**") :].split("\n- ")[0]
    assert "130,000–195,000 USD/year**: Capitol Tech Review, Public Sector Daily" in salary
    assert "150,000–200,000 USD/year**: La Lettre du Numérique" in salary


def test_an_event_dated_by_its_year_joins_the_reports_of_that_year():
    def event(n, reported, as_of=None):
        return {"id": f"e{n}", "article_id": f"a{n}", "outlet": f"O{n}", "reported": reported, "as_of": as_of,
                "type": "launch", "subject": "USDS", "initiative_id": "united-states-digital-service",
                "detail": f"d{n}", "sentence": "s", "url": "u", "title": "t"}  # fmt: skip

    events = build_events([event(1, "2014-08-11"), event(2, "2025-02-20", as_of="2014")], 60)
    assert [(e["date"], e["outlets"]) for e in events] == [("2014", 2)]
