"""Whom a figure or an event is about, what the article is about, and who published it (extract/article.py).

Rule pipelines only (spacy.blank): the gazetteer finds the initiatives and companies these tests name."""

from __future__ import annotations

import pytest

from extract.article import extract_documents, outlet_of


def record(blank_resources, text: str, lang: str = "en") -> dict:
    return extract_documents([{"content": text, "force_lang": lang}], blank_resources)[0]


def subjects(rec: dict, kind: str = "headcount") -> list[tuple[float, str | None, str | None]]:
    return [(f["value"], f["subject"], f["initiative_id"]) for f in rec["figures"] if f["kind"] == kind]


def test_a_workforce_in_the_figures_clause_keeps_it_off_the_initiative_named_elsewhere(blank_resources):
    rec = record(
        blank_resources,
        "Tech Force launch\nThe US Tech Force opens this month. The program arrives after more than 300,000 "
        "employees left the federal workforce, and after 18F was closed.",
    )
    assert subjects(rec) == [(300000, None, None)]


def test_a_company_s_layoffs_are_nobody_s_but_its_partners_are_counted_for_the_programme(blank_resources):
    rec = record(
        blank_resources,
        "Tech Force\nThe US Tech Force will hire 1,000 engineers. Meta said it would lay off 3,600 workers.\n"
        "Some 25 companies, Microsoft among them, are partners of the US Tech Force.",
    )
    assert subjects(rec) == [(1000, "US Tech Force", "us-tech-force"), (3600, None, None)]
    assert subjects(rec, "count") == [(25, "US Tech Force", "us-tech-force")]


def test_the_body_that_runs_the_programme_speaks_for_it_unless_the_sentence_sets_them_apart(blank_resources):
    rec = record(
        blank_resources,
        "US Tech Force\nThe US Tech Force is a new program. OPM wants 1,000 technologists for it.\n"
        "The Office of Personnel Management employs 2,500 people, while the US Tech Force will hire 1,000.",
    )
    assert subjects(rec) == [
        (1000, "US Tech Force", "us-tech-force"),
        (2500, "Office of Personnel Management", "office-of-personnel-management"),
        (1000, "US Tech Force", "us-tech-force"),
    ]


def test_a_body_that_does_not_run_the_programme_keeps_its_own_figures(blank_resources):
    rec = record(
        blank_resources,
        "US Tech Force\nThe US Tech Force starts in March. The Government Digital Service employs 800 people.",
    )
    assert subjects(rec) == [(800, "Government Digital Service", "government-digital-service")]


def test_a_paragraph_about_another_programme_keeps_its_figures(blank_resources):
    rec = record(
        blank_resources,
        "US Tech Force\nThe US Tech Force will hire 1,000 technologists.\n"
        "18F was closed in March. About 90 people lost their jobs.\n"
        "Recruits will serve two-year terms.",
    )
    assert subjects(rec) == [(1000, "US Tech Force", "us-tech-force"), (90, "18F", "18f")]
    assert subjects(rec, "duration") == [(2, "US Tech Force", "us-tech-force")]


def test_the_article_says_its_main_initiative_once(blank_resources):
    rec = record(
        blank_resources,
        "Beta\nbeta.gouv.fr incube des startups d'État. beta.gouv.fr a recruté 40 intrapreneurs. La DINUM "
        "pilote beta.gouv.fr.",
        "fr",
    )
    assert (rec["initiative"], rec["initiative_id"]) == ("beta.gouv.fr", "beta-gouv-fr")
    assert {e["name"]: e["id"] for e in rec["entities"]}["Direction interministérielle du numérique"] == (
        "direction-interministerielle-du-numerique"
    )


def test_events_say_what_happened_and_carry_the_initiative(blank_resources):
    rec = record(
        blank_resources,
        "USDS\nTwenty-one staff members of the United States Digital Service resigned on 25 February 2025, "
        "saying they would not dismantle public services.",
    )
    (event,) = [e for e in rec["events"] if e["type"] == "resignation"]
    assert event["initiative_id"] == "united-states-digital-service" and event["as_of"] == "2025-02-25"
    assert event["detail"].startswith("Twenty-one staff members of the United States Digital Service resigned")


def test_a_clause_that_cannot_be_read_alone_is_no_detail(blank_resources):
    rec = record(
        blank_resources,
        "18F\nGSA closed 18F on March 1, and partner agencies were left mid-project without a plan.",
    )
    partnership = [e for e in rec["events"] if e["type"] == "partnership"]
    assert partnership and partnership[0]["detail"].startswith("GSA closed 18F")


@pytest.mark.parametrize(
    "sitename, url, outlet",
    [
        ("Le Monde", "https://www.lemonde.fr/a", "Le Monde"),
        ("  Civic   Tech Wire ", None, "Civic Tech Wire"),
        (None, "https://www.numerique.gouv.fr/actualites/x", "numerique.gouv.fr"),
        (None, "https://news.bbc.co.uk/x", "bbc.co.uk"),
        (None, "http://127.0.0.1:8000/a.html", "127.0.0.1:8000"),
        (None, None, None),
    ],
)
def test_the_outlet_is_the_site_name_else_the_registered_domain(sitename, url, outlet):
    assert outlet_of(sitename, url) == outlet


def test_a_platform_is_the_subject_of_its_own_counts_and_dates_only(blank_resources):
    # GOV.UK and FranceConnect are `initiative: false` in the gazetteer: services, not teams that hire
    rec = record(blank_resources, "GDS\nThe Government Digital Service runs GOV.UK with 250 staff.")
    assert subjects(rec) == [(250, "Government Digital Service", "government-digital-service")]
    rec = record(blank_resources, "GOV.UK\nGOV.UK now serves more than 10 million users a month.")
    assert [f["subject"] for f in rec["figures"] if f["kind"] == "count"] == ["GOV.UK"]
    assert rec["initiative"] is None  # what an article is about is an initiative, never a platform
    rec = record(blank_resources, "GDS\nThe Government Digital Service was set up in 2011 and then built GOV.UK.")
    assert [f["subject"] for f in rec["figures"] if f["kind"] == "date"] == ["Government Digital Service"]
