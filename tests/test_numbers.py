import pytest

from extract.numbers import find_quantities, parse_number
from tests.rules import rules


def only(text, lang):
    found = find_quantities(text, rules(lang))
    assert len(found) == 1, [(text[q.start : q.end], q) for q in found]
    return found[0], text[found[0].start : found[0].end]


@pytest.mark.parametrize(
    "token, lang, value",
    [
        ("1 000", "fr", 1000),
        ("1\u00a0000", "fr", 1000),
        ("1\u202f000", "fr", 1000),
        ("130 000", "fr", 130000),
        ("1,5", "fr", 1.5),
        ("3.500", "fr", 3500),
        ("1,000", "en", 1000),
        ("1.2", "en", 1.2),
        ("12", "en", 12),
        ("1.000.000", "de", 1_000_000),
        ("2.500,50", "es", 2500.5),
        ("12,5", "it", 12.5),
    ],
)
def test_parse_number_with_the_separators_of_the_languages_locale(token, lang, value):
    from babel.numbers import get_decimal_symbol

    assert parse_number(token, get_decimal_symbol(lang)) == value


def test_french_thousands_with_narrow_no_break_space():
    q, text = only("Le plan prévoit 2\u202f500 recrutements.", "fr")
    assert q.value == 2500 and text == "2\u202f500"


def test_scale_words_and_currency_after():
    q, text = only("un budget de 23 millions d’euros cette année", "fr")
    assert (q.value, q.currency, text) == (23_000_000, "EUR", "23 millions d’euros")
    q, _ = only("une enveloppe de 1,5 milliard de dollars", "fr")
    assert (q.value, q.currency) == (1_500_000_000, "USD")


def test_english_currency_prefix_and_scale():
    q, text = only("a $1.2 billion modernisation fund", "en")
    assert (q.value, q.currency, text) == (1_200_000_000, "USD", "$1.2 billion")
    q, _ = only("salaries near £80k for leads", "en")
    assert (q.value, q.currency) == (80_000, "GBP")


def test_range_shares_currency_and_period():
    q, text = only("des salaires entre 130 000 et 195 000 dollars par an", "fr")
    assert (q.min, q.max, q.value, q.currency, q.period) == (130_000, 195_000, None, "USD", "year")
    assert text == "entre 130 000 et 195 000 dollars par an"
    q, text = only("pay from $150,000 to $200,000 a year", "en")
    assert (q.min, q.max, q.currency, q.period) == (150_000, 200_000, "USD", "year")


def test_range_shares_scale_word():
    q, _ = only("between 1.5 and 2 million users", "en")
    assert (q.min, q.max) == (1_500_000, 2_000_000)


def test_dash_range():
    q, _ = only("teams of 3–5 people", "en")
    assert (q.min, q.max) == (3, 5)


def test_and_without_between_is_not_a_range():
    found = find_quantities("12 designers and 30 engineers", rules("en"))
    assert [q.value for q in found] == [12, 30]


def test_approximations():
    q, text = only("une vingtaine d'entreprises", "fr")
    assert (q.value, q.approx, text) == (20, True, "une vingtaine")
    q, text = only("more than two dozen companies", "en")
    assert (q.value, q.approx, text) == (24, True, "more than two dozen")
    q, _ = only("environ 300 candidats", "fr")
    assert (q.value, q.approx) == (300, True)
    q, _ = only("roughly 25 partners", "en")
    assert (q.value, q.approx) == (25, True)


def test_number_words_on_isolated_spans():
    q, _ = only("cinquante profils", "fr")
    assert q.value == 50 and q.words
    q, _ = only("twenty-one staff", "en")
    assert q.value == 21


def test_articles_are_not_numbers():
    assert find_quantities("une équipe et un projet", rules("fr")) == []
    assert find_quantities("one of the teams", rules("en")) == []


def test_codes_are_not_numbers():
    assert find_quantities("the F35 and COVID-19 and the 6th cohort", rules("en")) == []


def test_percent():
    q, _ = only("45 % des agents", "fr")
    assert q.percent and q.value == 45


def test_words_swallowed_by_a_unit_are_not_counted_again():
    assert [(q.value, q.percent) for q in find_quantities("20 pour cent des agents", rules("fr"))] == [(20, True)]


def test_lone_scale_words_and_lower_case_m_after_a_currency():
    assert [q.value for q in find_quantities("A thousand young engineers", rules("en"))] == [1000]
    assert [q.value for q in find_quantities("Mille ingénieurs", rules("fr"))] == [1000]
    assert [(q.value, q.currency) for q in find_quantities("a budget of £8m", rules("en"))] == [(8_000_000, "GBP")]
    assert [q.value for q in find_quantities("5m away", rules("en"))] == [5]
