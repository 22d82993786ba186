from extract.dates import find_dates, mask


def isos(text):
    return [(d.text, d.iso) for d in find_dates(text)]


def test_french_day_month_year():
    assert isos("à partir du 12 septembre 2022") == [("12 septembre 2022", "2022-09-12")]


def test_french_range_borrows_year_from_the_end():
    assert isos("du 7 mars au 3 avril 2022") == [("7 mars", "2022-03-07"), ("3 avril 2022", "2022-04-03")]


def test_english_forms():
    assert isos("On March 3, 2025 it began") == [("March 3, 2025", "2025-03-03")]
    assert isos("in May 2024") == [("May 2024", "2024-05")]
    assert isos("le 1er janvier 2020") == [("1er janvier 2020", "2020-01-01")]


def test_bare_year_is_masked_but_not_reported():
    dates = find_dates("the 2025 budget")
    assert [(d.text, d.iso) for d in dates] == [("2025", None)]


def test_year_after_a_preposition_is_a_date():
    assert isos("The service was founded in 2014") == [("2014", "2014")]
    assert isos("lancé en 2016 par Etalab") == [("2016", "2016")]


def test_lowercase_may_is_not_a_month():
    assert isos("it may 2 times") == []


def test_mask_keeps_offsets():
    text = "le 15 mars 2025, 40 agents"
    masked = mask(text, find_dates(text))
    assert len(masked) == len(text) and masked.endswith("40 agents") and "15" not in masked


def test_more_year_prepositions_and_year_ranges():
    assert isos("300 recrues d'ici 2027") == [("2027", "2027")]
    assert isos("from 2014 to 2025") == [("2014", "2014"), ("2025", "2025")]
    assert isos("the 2025 budget and 2026 plan") == [("2025", None), ("2026", None)]
