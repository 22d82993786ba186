from extract.figures import figures_from_sentence
from tests.rules import rules


def figs(sentence, lang):
    return [
        (f["kind"], f.get("value"), f.get("min"), f.get("max"), f.get("unit"), f["text"])
        for f in figures_from_sentence(sentence, rules(lang))
    ]


def one(sentence, lang, kind):
    matches = [f for f in figures_from_sentence(sentence, rules(lang)) if f["kind"] == kind]
    assert len(matches) == 1, figures_from_sentence(sentence, rules(lang))
    return matches[0]


def test_hiring_headcount_and_duration_fr():
    found = figs("L'agence prévoit de recruter 1 000 personnes pour un programme de deux ans.", "fr")
    assert ("headcount", 1000, None, None, "person", "1 000") in found
    assert ("duration", 2, None, None, "year", "deux ans") in found


def test_hires_what_comes_from_the_verb():
    f = one("The office will hire 1,000 early-career technologists.", "en", "headcount")
    assert f["what"].startswith("hires")


def test_salary_range_fr_and_en():
    f = one("Les salaires iront de 130 000 à 195 000 dollars par an.", "fr", "salary")
    assert (f["min"], f["max"], f["unit"], f["period"]) == (130000, 195000, "USD", "year")
    f = one("Pay ranges from $130,000 to $195,000 a year.", "en", "salary")
    assert (f["min"], f["max"], f["unit"], f["period"]) == (130000, 195000, "USD", "year")
    assert f["label"] == "130,000–195,000 USD/year"


def test_money_without_salary_words_is_a_budget():
    f = one("Le fonds est doté de 23 millions d'euros.", "fr", "budget")
    assert (f["value"], f["unit"]) == (23_000_000, "EUR")


def test_partner_companies_count_is_approximate():
    f = one("Une vingtaine de groupes technologiques se sont associés au programme.", "fr", "count")
    assert (f["value"], f["unit"], f["approx"], f["what"]) == (20, "company", True, "partner companies")


def test_resignations_and_layoffs():
    found = figures_from_sentence("In February, 21 staff resigned and about 40 were laid off.", rules("en"))
    heads = {(f["value"], f["what"]) for f in found if f["kind"] == "headcount"}
    assert (21, "resignations") in heads and (40, "layoffs") in heads


def test_count_per_month():
    f = one("On recense 200 nouvelles offres d'emploi chaque mois.", "fr", "count")
    assert (f["value"], f["unit"], f["period"]) == (200, "job offer", "month")


def test_dates_are_masked_before_counting():
    found = figs("Le programme démarre le 15 mars 2025 avec 30 entrepreneurs.", "fr")
    assert ("headcount", 30, None, None, "person", "30") in found
    assert all(f[1] not in (15, 2025) for f in found if f[0] != "date")
    dates = [
        f for f in figures_from_sentence("Le programme démarre le 15 mars 2025.", rules("fr")) if f["kind"] == "date"
    ]
    assert [d["iso"] for d in dates] == ["2025-03-15"]


def test_a_year_qualifying_a_figure_is_not_a_date():
    found = figs("The 2025 budget adds 50 engineers.", "en")
    assert [f[0] for f in found] == ["headcount"]


def test_ages_and_elapsed_time_are_not_durations():
    assert figs("Recruits aged 25 years old join.", "en") == []
    assert [f[0] for f in figs("Il y a 10 ans, la mission est née.", "fr")] == []


def test_numbers_that_count_nothing_are_left_out():
    assert figs("Chapter 12 covers it.", "en") == []


def test_one_word_duration():
    f = one("It is a one-year fellowship.", "en", "duration")
    assert (f["value"], f["unit"]) == (1, "year")


def test_each_headcount_takes_the_verb_of_its_clause():
    found = figures_from_sentence(
        "Une quarantaine d'agents ont été licenciés, tandis que 21 employés ont démissionné.", rules("fr")
    )
    assert [(f["value"], f["what"]) for f in found] == [(40, "layoffs"), (21, "resignations")]


def test_attached_scales_in_a_dashed_range():
    f = one("The fellowship pays $130k-$195k a year.", "en", "salary")
    assert (f["min"], f["max"], f["currency"], f["period"]) == (130000, 195000, "USD", "year")


def test_ages_are_not_durations_even_as_ranges():
    assert figs("La promotion, âgée de 24 à 35 ans, arrive.", "fr") == []
    assert figs("Fellows aged between 24 and 35 arrive.", "en") == []


def test_millions_paid_out_are_a_budget_and_an_annual_salary_has_its_period():
    assert one("The agency paid contractors $3bn.", "en", "budget")["value"] == 3e9
    f = one("Le salaire brut annuel varie entre 45 000 et 70 000 euros.", "fr", "salary")
    assert (f["min"], f["max"], f["period"]) == (45000, 70000, "year")


def test_jobs_cut_are_layoffs():
    f = one("GDS cut 100 jobs.", "en", "headcount")
    assert (f["value"], f["what"]) == (100, "layoffs")


def test_ranks_and_references_are_not_figures():
    assert figs("GOV.UK ranked among the top 10 public websites.", "en") == []
    assert figs("Selon l'article 49 du projet de loi.", "fr") == []


def test_hourly_pay_is_a_salary_and_since_gives_a_duration():
    assert one("Contractors bill up to $250 an hour.", "en", "salary")["period"] == "hour"
    assert one("Elle dirige depuis trois semaines la promotion.", "fr", "duration")["value"] == 3


def test_a_capitalised_noun_inside_a_name_is_not_what_is_counted():
    f = one("Twenty-one US Digital Service staffers resign", "en", "headcount")
    assert (f["value"], f["what"]) == (21, "resignations")


def test_an_anniversary_is_a_duration_and_an_age_is_not():
    # the guideline (../shared/dev/ANNOTATION.md): an agency that turns ten has run for ten years
    assert one("Etalab fête ses dix ans", "fr", "duration")["value"] == 10
    assert figs("Âgée de 24 ans, elle a rejoint la DINUM il y a dix ans.", "fr") == []
