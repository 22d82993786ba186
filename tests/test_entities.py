"""Gazetteer rules on spacy.blank pipelines (independent of a statistical model); noise filtering on the models."""

from extract.entities import entities_from_doc


def ents(resources, text, lang):
    nlp = resources.pipeline(lang)
    return {e["name"]: e for e in entities_from_doc(nlp(text), resources.gazetteer)}


def test_acronym_and_expansion_are_one_entity(blank_resources):
    found = ents(blank_resources, "The Office of Personnel Management said OPM will hire. OPM again.", "en")
    opm = found["Office of Personnel Management"]
    assert opm["kind"] == "agency" and opm["country"] == "US"
    assert opm["mentions"] == 3
    assert set(opm["surface"]) == {"Office of Personnel Management", "OPM"}


def test_french_elision_and_curly_apostrophes(blank_resources):
    found = ents(blank_resources, "Le programme Entrepreneurs d’intérêt général d’Etalab recrute. L’OPM aussi.", "fr")
    assert "Entrepreneurs d'intérêt général" in found
    assert "Etalab" in found
    assert "Office of Personnel Management" in found


def test_programme_names_in_both_languages(blank_resources):
    assert "US Tech Force" in ents(blank_resources, "La US Tech Force recrute.", "fr")
    assert "US Tech Force" in ents(blank_resources, "The U.S. Tech Force hires.", "en")


def test_l_etat_is_not_an_entity(blank_resources):
    assert ents(blank_resources, "L'État recrute des talents.", "fr") == {}


def test_statistical_ner_noise_is_dropped(resources):
    found = ents(resources, "Microsoft et Adobe rejoignent le programme, a déclaré Elon Musk à Washington.", "fr")
    assert found["Microsoft"]["kind"] == "company"
    assert found["Elon Musk"]["kind"] == "person"
    assert found["Washington"]["kind"] == "place"
    assert all(name[0].isupper() for name in found)


def test_a_name_ending_a_sentence_is_found(blank_resources):
    assert "18F" in ents(blank_resources, "She spent four years at 18F. Then she left.", "en")
    assert "18F" in ents(blank_resources, "Elle a rejoint 18F.", "fr")


def test_small_model_noise_is_dropped():
    from extract.entities import clean_surface

    assert clean_surface("Laurence - Publié le 3 mars") == "Laurence"
    assert clean_surface("Vu de") == "Vu"
    assert clean_surface("Martha Lane Fox's") == "Martha Lane Fox"


def test_sentence_first_participles_are_not_names(resources):
    text = (
        "Pilotée par la DINUM, la mission recrute des designers. Regroupés au sein d'une équipe, ils travaillent "
        "pour Sophie Garnier. Le travail commence en janvier. Travail et emploi sont liés."
    )
    found = ents(resources, text, "fr")
    assert "Pilotée" not in found and "Regroupés" not in found and "Travail" not in found
    assert "Direction interministérielle du numérique" in found


def test_gazetteer_matches_do_not_add_labels_to_the_models_ner(resources):
    """The ruler runs before the NER, which adds a transition for every preset label it meets: labels of
    our own (program, agency...) once doubled its actions and slowed every later document by a fifth."""
    for lang, text in (("fr", "La DINUM et la US Tech Force recrutent avec Microsoft à Paris."),
                       ("en", "The Office of Personnel Management and 18F hire with Google in London.")):  # fmt: skip
        nlp = resources.pipeline(lang)
        ner = nlp.get_pipe("ner")
        actions = list(ner.move_names)
        found = ents(resources, text, lang)
        assert {e["kind"] for e in found.values()} >= {"agency", "program", "company"}, found
        assert list(ner.move_names) == actions, f"{lang}: the NER grew new actions"


def test_case_insensitive_aliases_are_found_in_any_case_beside_exact_names(blank_resources):
    text = "The DEPARTMENT OF GOVERNMENT EFFICIENCY and the Office of Personnel Management. Le plan de Relance aussi."
    for lang in ("en", "fr"):
        found = ents(blank_resources, text, lang)
        assert {"Department of Government Efficiency", "Office of Personnel Management"} <= set(found)
        assert found["Department of Government Efficiency"]["surface"] == ["DEPARTMENT OF GOVERNMENT EFFICIENCY"]
    assert "France Relance" in ents(blank_resources, text, "fr")
