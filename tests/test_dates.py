import re

from extract.dates import find_dates, mask
from tests.rules import rules

FRENCH = re.compile(r"\b(?:à|du|au|le|en|d'ici|lancé|début|depuis|Son|Entre|puis)\b")


def dates_of(text, lang=None):
    # the snippets are English or French, too short to identify reliably: French words say which
    return find_dates(text, rules(lang or ("fr" if FRENCH.search(text) else "en")).dates)


def isos(text, lang=None):
    return [(d.text, d.iso) for d in dates_of(text, lang)]


def test_french_day_month_year():
    assert isos("à partir du 12 septembre 2022") == [("12 septembre 2022", "2022-09-12")]


def test_french_range_borrows_year_from_the_end():
    assert isos("du 7 mars au 3 avril 2022") == [("7 mars", "2022-03-07"), ("3 avril 2022", "2022-04-03")]


def test_english_forms():
    assert isos("On March 3, 2025 it began") == [("March 3, 2025", "2025-03-03")]
    assert isos("in May 2024") == [("May 2024", "2024-05")]
    assert isos("le 1er janvier 2020") == [("1er janvier 2020", "2020-01-01")]


def test_bare_year_is_masked_but_not_reported():
    dates = dates_of("the 2025 budget", "en")
    assert [(d.text, d.iso) for d in dates] == [("2025", None)]


def test_year_after_a_preposition_is_a_date():
    assert isos("The service was founded in 2014") == [("2014", "2014")]
    assert isos("lancé en 2016 par Etalab") == [("2016", "2016")]


def test_lowercase_may_is_not_a_month():
    assert isos("it may 2 times") == []


def test_mask_keeps_offsets():
    text = "le 15 mars 2025, 40 agents"
    masked = mask(text, dates_of(text, "fr"))
    assert len(masked) == len(text) and masked.endswith("40 agents") and "15" not in masked


def test_more_year_prepositions_and_year_ranges():
    assert isos("300 recrues d'ici 2027") == [("2027", "2027")]
    assert isos("from 2014 to 2025") == [("2014", "2014"), ("2025", "2025")]
    assert isos("the 2025 budget and 2026 plan") == [("2025", None), ("2026", None)]


def test_a_month_alone_after_a_preposition_is_a_date_without_a_year():
    assert isos("The director was brought in in August to lead it") == [("August", "--08")]
    assert isos("lancé début avril, recrutés depuis juin") == [("avril", "--04"), ("juin", "--06")]
    assert isos("they may 3 times") == []  # the verb is no month


def test_a_range_of_days_gives_both_days():
    assert isos("du 2 au 16 décembre 2021") == [("2", "2021-12-02"), ("16 décembre 2021", "2021-12-16")]
    assert isos("from 3 to 7 March") == [("3", "--03-03"), ("7 March", "--03-07")]


def test_a_day_without_a_year_takes_the_one_year_its_sentence_states():
    assert isos("Son édition 2021 se tient en ligne le 2 décembre.") == [("2021", None), ("2 décembre", "2021-12-02")]
    assert isos("Entre 2020 et 2021, puis le 2 décembre") == [("2020", None), ("2021", None), ("2 décembre", "--12-02")]


def test_timeline_headings_and_fiscal_years():
    assert isos("2017: the service was set up") == [("2017", "2017")]
    assert isos("temporary staff in 2016/17") == [("2016", None)]
    assert isos("funded in 2021-22") == [("2021", None)]
