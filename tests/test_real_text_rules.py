"""Error classes that real articles show (issue 15), each pinned on sentences written for this project:
dates that are not facts, changes that are two figures, applications that are counts."""

from __future__ import annotations

import pytest

from extract.article import extract_documents
from extract.figures import figures_from_sentence
from tests.rules import rules


def record(blank_resources, text: str, lang: str = "en", published: str | None = None) -> dict:
    item = {"content": text, "force_lang": lang, "feed_entry": {"published": published}}
    return extract_documents([item], blank_resources)[0]


def dates(rec: dict) -> list[str]:
    return [f["iso"] for f in rec["figures"] if f["kind"] == "date"]


def test_a_date_without_its_year_is_kept_with_what_is_known():
    found = figures_from_sentence("La campagne de recrutement ouvre le 19 octobre.", rules("fr"))
    assert [f["iso"] for f in found if f["kind"] == "date"] == ["--10-19"]
    # a year given further on still dates it
    found = figures_from_sentence("Applications run from March 7 to April 3, 2026.", rules("en"))
    assert [f["iso"] for f in found if f["kind"] == "date"] == ["2026-03-07", "2026-04-03"]


@pytest.mark.parametrize(
    "line",
    ["Feb 03 2015", "Updated March 3, 2025 at 10:15", "Publié le 12 mars 2023", "Photo: the team in Ottawa, May 2019"],
)
def test_publication_update_and_caption_lines_give_no_date(blank_resources, line):
    rec = record(blank_resources, f"Digital hiring\n{line}\nThe US Digital Corps hired 70 fellows.")
    assert dates(rec) == []


@pytest.mark.parametrize(
    "text, value, year",
    [
        ("EIG\nLe programme EIG a accueilli 28 entrepreneurs en 2018.", 28, "2018"),
        ("TALENT\nLe programme TALENT vise 300 recrutements d'ici 2027.", 300, "2027"),  # a target
        ("USDS\nIn 2016, USDS counted 200 employees.", 200, "2016"),  # the sentence opens with it
        ("Cnil\nLes effectifs de la Cnil étaient de 192 agents en 2015.", 192, "2015"),
    ],
)
def test_a_year_that_only_qualifies_a_figure_is_no_date_but_the_figure_keeps_it(blank_resources, text, value, year):
    rec = record(blank_resources, text, "en" if "USDS" in text else "fr")
    assert dates(rec) == []
    (cohort,) = [f for f in rec["figures"] if f["kind"] == "headcount"]
    assert (cohort["value"], cohort["as_of"]) == (value, year)


@pytest.mark.parametrize(
    "text, iso",
    [
        ("CDS\nThe Canadian Digital Service was launched in 2017 with $25 million.", "2017"),  # a launch
        ("DigitalService\nFondé en 2020, DigitalService compte 300 agents.", "2020"),  # a launch
        ("i.AI\nThe Incubator for AI hired 30 people since it was announced in November 2023.", "2023-11"),
        ("USDS\nIn February 2025, 21 USDS staffers quit.", "2025-02"),  # a resignation
        ("USDS\nAbout 40 USDS staff were laid off in February 2025.", "2025-02"),  # a layoff
        ("i.AI\nThe Incubator for AI hired 30 people after it was announced on 7 November 2023.", "2023-11-07"),
    ],
)
def test_dates_of_events_stay_beside_figures(blank_resources, text, iso):
    lang = "fr" if "agents" in text else "en"
    assert dates(record(blank_resources, text, lang)) == [iso]


@pytest.mark.parametrize(
    "sentence, lang, values",
    [
        (
            "Ses effectifs sont passés de 120 à 568 collaborateurs en dix ans.",
            "fr",
            [(120, "headcount"), (568, "headcount")],
        ),
        ("Le service est passé de 4 à 6 millions d'utilisateurs.", "fr", [(4e6, "count"), (6e6, "count")]),
        ("The agency plans to grow from 180 to 220 employees.", "en", [(180, "headcount"), (220, "headcount")]),
        ("Its budget rose from $10 million to $14 million.", "en", [(10e6, "budget"), (14e6, "budget")]),
    ],
)
def test_a_change_is_two_figures(sentence, lang, values):
    found = [f for f in figures_from_sentence(sentence, rules(lang)) if f["kind"] != "date" and f["kind"] != "duration"]
    assert [(f["value"], f["kind"]) for f in found] == values
    assert all(f["min"] is None for f in found)


@pytest.mark.parametrize(
    "sentence, lang",
    [
        ("Fellows earn between $130,000 and $195,000 a year.", "en"),
        ("Les salaires iront de 40 000 à 75 000 euros par an.", "fr"),
        ("Pay runs from $90,000 to $120,000.", "en"),
    ],
)
def test_a_range_without_a_verb_of_change_stays_a_range(sentence, lang):
    (salary,) = [f for f in figures_from_sentence(sentence, rules(lang)) if f["kind"] == "salary"]
    assert salary["value"] is None and salary["min"] < salary["max"]


def test_applications_are_counted_and_applicants_are_people():
    found = figures_from_sentence("Le jury a examiné 205 candidatures de 180 candidats.", rules("fr"))
    assert [(f["value"], f["kind"], f["unit"]) for f in found] == [
        (205, "count", "application"),
        (180, "headcount", "person"),
    ]


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        ("Le ministère de l’Éducation nationale prépare un plan.", "fr", "ministère de l’Éducation nationale"),
        ("La Cour des comptes critique le projet.", "fr", "Cour des comptes"),
        ("Elle a suivi l'institut national du service public.", "fr", "institut national du service public"),
        ("La Ville de Marseille recrute des développeurs.", "fr", "Ville de Marseille"),
        ("The Government Operations Agency hired 30 engineers.", "en", "Government Operations Agency"),
        ("The Department of Veterans Affairs opened 200 roles.", "en", "Department of Veterans Affairs"),
    ],
)
def test_public_bodies_are_found_by_their_form(blank_resources, text, lang, expected):
    rec = record(blank_resources, f"Titre\n{text}", lang)
    assert (expected, "agency") in {(e["name"], e["kind"]) for e in rec["entities"]}


def test_a_common_noun_is_no_body_and_a_known_one_keeps_its_name(blank_resources):
    rec = record(
        blank_resources, "Titre\nLe service de la paie et la direction du projet ont changé. La DINUM recrute.", "fr"
    )
    assert [e["name"] for e in rec["entities"]] == ["Direction interministérielle du numérique"]


def test_companies_listed_beside_a_known_one_are_companies(blank_resources):
    rec = record(blank_resources, "Partners\nThe partners include Microsoft, Dell, Docusign, C3.ai and Snowflake.")
    companies = [e["name"] for e in rec["entities"] if e["kind"] == "company"]
    assert companies == ["Microsoft", "Dell", "Docusign", "C3.ai", "Snowflake"]
    # without a known company in the list, capitalised words are not taken for firms
    rec = record(blank_resources, "Places\nThe fellows worked in Boston, Denver and Austin.")
    assert not [e for e in rec["entities"] if e["kind"] == "company"]


@pytest.mark.parametrize(
    "sentence, lang, expected",
    [
        (
            "Les lauréats touchent 3 000 ou 3 500 euros net par mois.",
            "fr",
            [(3000, "EUR", "month"), (3500, "EUR", "month")],
        ),
        ("Engineers will be paid up to Rs 1.6 crore a year.", "en", [(16_000_000, "INR", "year")]),
        ("The salary is Rs 12 lakh per year.", "en", [(1_200_000, "INR", "year")]),
    ],
)
def test_two_amounts_offered_are_two_salaries_and_rupees_are_read(sentence, lang, expected):
    found = [f for f in figures_from_sentence(sentence, rules(lang)) if f["kind"] == "salary"]
    assert [(f["value"], f["currency"], f["period"]) for f in found] == expected


@pytest.mark.parametrize(
    "sentence, lang, value, what",
    [
        ("Le Campus a formé 190 dirigeants.", "fr", 190, "executives"),
        ("The function comprised 26,530 individuals.", "en", 26530, "people"),
        ("The department had 2,434 FTE staff.", "en", 2434, "staff"),
        ("Up to 300 cadets are expected.", "en", 300, "cadets"),
    ],
)
def test_more_nouns_count_people(sentence, lang, value, what):
    (found,) = [f for f in figures_from_sentence(sentence, rules(lang)) if f["kind"] == "headcount"]
    assert (found["value"], found["what"]) == (value, what)


def test_a_day_written_without_its_year_takes_the_year_the_article_gives_it(blank_resources):
    text = (
        "EIG\nLes ministères ont jusqu'au 15 juin pour proposer leurs défis au programme EIG.\n"
        "L'appel à projets du programme EIG reste ouvert jusqu'au 15 juin 2018."
    )
    assert dates(record(blank_resources, text, "fr")) == ["2018-06-15", "2018-06-15"]


def labels(sentence, lang):
    return [f["label"] for f in figures_from_sentence(sentence, rules(lang)) if f["kind"] != "date"]


@pytest.mark.parametrize(
    "sentence, lang, expected",
    [
        # a number that leaves its noun understood counts what the one before it does
        (
            "Son équipe comptait 80 agents en 2019, 95 en 2020 et 110 en 2021.",
            "fr",
            ["80 staff", "95 staff", "110 staff"],
        ),
        (
            "The office added 12 more engineers this spring and 9 more in the autumn.",
            "en",
            ["12 engineers", "9 engineers"],
        ),
        ("Le service compte 420 agents, contre 300 il y a cinq ans.", "fr", ["420 staff", "300 staff"]),
        ("Only 20 of the 90 fellows stayed on.", "en", ["20 fellows", "90 fellows"]),
        # a staff level or a team said before its number
        ("The bureau's headcount is capped at 640 under the new law.", "en", ["640 staff"]),
        ("Les volontaires travaillent par équipe de trois ou quatre.", "fr", ["3–4 team members"]),
        # a number glued to its noun, a name that ends in people, a name that is a place
        ("It is now a 1,200-person agency.", "en", ["1,200 people"]),
        ("The White House named 8 new Presidential Innovation Fellows.", "en", ["8 fellows"]),
        ("Its offices are at 42 Market Square.", "en", []),
        # ranks, grades and ratios are no quantities
        ("Most of the 300 new posts are at grades 6 and 7.", "en", ["300 positions"]),
        ("About one in four engineers leaves within one year.", "en", ["1 year"]),
        # a half more, a hanging hyphen, people after their verb
        ("Le programme dure deux ans et demi.", "fr", ["2.5 years"]),
        ("Recruits serve two- or three-year tours.", "en", ["2–3 years"]),
        ("The other 4,100 work in regional offices.", "en", ["4,100 people"]),
    ],
)
def test_numbers_take_their_noun_from_the_figures_and_words_around_them(sentence, lang, expected):
    assert labels(sentence, lang) == expected


def test_a_related_story_line_gives_no_figure(blank_resources):
    text = "EIG\nLe programme EIG accueille 30 entrepreneurs.\nLire aussi : la DINUM fête ses dix ans"
    assert [f["label"] for f in record(blank_resources, text, "fr")["figures"]] == ["30 entrepreneurs"]


@pytest.mark.parametrize(
    "text, lang, expected",
    [
        # a programme named in quotes after a word that introduces one
        ("L'agence a lancé la campagne « Paroles de codeurs » au printemps.", "fr", "Paroles de codeurs"),
        ("The city unveiled a scheme called “Code the Streets” for its interns.", "en", "Code the Streets"),
        # one word with inner capitals is a product's name
        ("Les usagers passent désormais par LogementExpress pour leurs demandes.", "fr", "LogementExpress"),
        # a programme by its form
        ("Le Campus du numérique public forme les agents.", "fr", "Campus du numérique public"),
    ],
)
def test_programmes_beyond_the_gazetteer(blank_resources, text, lang, expected):
    rec = record(blank_resources, f"Titre\n{text}", lang)
    assert (expected, "program") in {(e["name"], e["kind"]) for e in rec["entities"]}


def test_a_quote_that_is_a_sentence_is_no_name(blank_resources):
    rec = record(blank_resources, "Titre\n« Nous allons recruter », a dit la ministre au sujet du programme.", "fr")
    assert not [e for e in rec["entities"] if e["kind"] == "program"]


def test_the_models_products_are_programmes_without_the_words_glued_to_them(resources):
    text = (
        "Titre\nParmi les services publics numériques, on trouve Mobilic, Envergo et le programme Fastlane, "
        "que les agents utilisent chaque jour."
    )
    (rec,) = extract_documents([{"content": text, "force_lang": "fr"}], resources)
    names = {e["name"] for e in rec["entities"]}
    assert {"Mobilic", "Envergo"} <= names
    assert not any(name.startswith(("programme ", "le ")) for name in names)
