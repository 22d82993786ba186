from extract.lang import detect_language
from extract.relevance import score_relevance
from extract.text import document_from_content, looks_like_html

PAGE = """<!doctype html><html lang="en"><head><title>Agency hires engineers | Wire</title>
<meta property="article:published_time" content="2025-06-02T10:00:00+00:00"></head><body>
<nav><a href="/">Home</a><a href="/about">About</a></nav><div class="cookie-banner">We use cookies to improve your experience.</div>
<article><h1>Agency hires engineers</h1>
<p>The digital service will hire 200 engineers over the next two years, its director said on Monday in a long statement.</p>
<p>Each cohort serves a two-year term inside a federal agency, working on benefits, taxes and veterans' services.</p>
<aside><h3>Read also</h3><a href="/x">Another unrelated story about gardening</a></aside></article>
<footer>Legal notice - Privacy policy - Contact</footer></body></html>"""


def test_html_main_text_without_boilerplate():
    doc = document_from_content(PAGE.encode("utf-8"), "https://example.org/a")
    assert doc["title"] == "Agency hires engineers"
    assert doc["published"] == "2025-06-02"
    assert "200 engineers" in doc["text"]
    assert "cookies" not in doc["text"] and "Privacy policy" not in doc["text"]


def test_plain_text_is_detected_and_kept():
    text = "2025-12-17 A title line\nFirst paragraph with 12 people."
    assert not looks_like_html(text)
    doc = document_from_content(text)
    assert doc["title"] == "A title line" and doc["published"] == "2025-12-17"
    assert "12 people" in doc["text"]


def test_nul_bytes_are_removed():
    assert "\x00" not in document_from_content(b"Title\nSome\x00text")["text"]


def test_language_detection_gives_the_true_language_whatever_is_analysed():
    assert detect_language("Le gouvernement recrute des ingénieurs pour deux ans.") == "fr"
    assert detect_language("The government hires engineers for two years.") == "en"
    assert (
        detect_language("Die Bundesregierung stellt in diesem Jahr zweihundert Fachkräfte für die Verwaltung ein.")
        == "de"
    )
    assert detect_language("El ministerio contratará a doscientos ingenieros para la administración digital.") == "es"
    assert detect_language("Il ministero assumerà duecento esperti per la trasformazione digitale del Paese.") == "it"
    assert (
        detect_language("De overheid neemt dit jaar honderd nieuwe ontwikkelaars aan voor digitale diensten.") == "nl"
    )
    assert detect_language("政府今年将招聘一百名工程师，参与数字化服务的建设。") == "zh"
    assert detect_language("", hint="fr") == "fr" and detect_language("   ") is None


def test_a_source_hint_breaks_near_ties_only():
    german = "Die Bundesregierung stellt in diesem Jahr zweihundert Fachkräfte für die Verwaltung ein."
    assert detect_language(german, hint="en") == "de"  # a clear detection is never overruled
    assert detect_language(german, hint="fr") == "de"
    # a name alone says little: the hint decides between languages that come close
    assert detect_language("Tech Force", hint="fr") == "fr"
    assert detect_language("Tech Force", hint="en") == "en"


def test_relevance_rules(blank_resources):
    topics = blank_resources.topics
    score, relevant, _ = score_relevance(
        "The federal digital service will hire 200 engineers and data scientists.", "en", topics, "USDS"
    )
    assert relevant and score >= topics["threshold"]
    score, relevant, reasons = score_relevance(
        "The phone maker cut 1,000 jobs after quarterly earnings disappointed shareholders.", "en", topics, None
    )
    assert not relevant and "private_sector -0.35: quarterly earnings" in reasons


def test_events_from_an_article(blank_resources):
    from extract.article import extract_documents

    text = "US Tech Force\nThe US Tech Force will hire 1,000 technologists, the Office of Personnel Management said on December 15, 2025."
    record = extract_documents([{"content": text}], blank_resources)[0]
    hiring = [e for e in record["events"] if e["type"] == "hiring"]
    assert hiring and hiring[0]["subject"] == "US Tech Force" and hiring[0]["date"] == "2025-12-15"
    fig = next(f for f in record["figures"] if f["kind"] == "headcount")
    assert fig["subject"] == "US Tech Force" and fig["value"] == 1000
    assert record["text"][fig["start"] : fig["end"]] == fig["text"]


def test_repeated_paragraph_figures_are_reported_once(blank_resources):
    from extract.article import extract_documents

    para = "La DINUM va recruter 40 designers cette année."
    record = extract_documents([{"content": f"Titre\n{para}\n{para}", "force_lang": "fr"}], blank_resources)[0]
    assert [f["value"] for f in record["figures"] if f["kind"] == "headcount"] == [40]


def test_a_bare_dollar_takes_the_country_of_the_story(blank_resources):
    from extract.article import extract_documents

    canada = "Ottawa's digital team\nThe Canadian Digital Service received $25.5 million over three years."
    us = "Tech Force\nOPM will pay the US Tech Force technologists $130,000 to $195,000 a year."
    canadian_in_us = (
        "Tech Force\nThe US Tech Force pays up to $195,000, while the Canadian Digital Service pays C$120,000."
    )
    money = lambda text: [  # noqa: E731
        (f["currency"], f["unit"], f["label"])
        for f in extract_documents([{"content": text}], blank_resources)[0]["figures"]
        if f["kind"] in ("budget", "salary")
    ]
    assert money(canada) == [("CAD", "CAD", "25,500,000 CAD")]
    assert money(us) == [("USD", "USD", "130,000–195,000 USD/year")]
    assert [c for c, _, _ in money(canadian_in_us)] == ["USD", "CAD"]  # an explicit C$ is never re-read


def test_two_initiatives_in_one_sentence_each_keep_their_figure(blank_resources):
    from extract.article import extract_documents

    text = "Digital teams\nThe Canadian Digital Service hired 60 people in 2019, while GDS cut 100 jobs."
    figures = extract_documents([{"content": text}], blank_resources)[0]["figures"]
    assert [(f["value"], f["subject"]) for f in figures if f["kind"] == "headcount"] == [
        (60, "Canadian Digital Service"),
        (100, "Government Digital Service"),
    ]


def test_sentence_offsets_match_the_sentences_spacy_gives(blank_resources):
    from extract.nlp import sentence_offsets

    text = "  Title without a stop\nThe agency hired 40 people.  It plans more.\n\nClosing line"
    doc = blank_resources.pipeline("en")(text)
    expected = [s.text.strip() for s in doc.sents if s.text.strip()]
    assert [text[lo:hi] for lo, hi in sentence_offsets(doc, text)] == expected
    assert expected[0] == "Title without a stop" and len(expected) == 4
    assert sentence_offsets(blank_resources.pipeline("en")(""), "") == []


def test_relevance_terms_match_only_at_word_starts():
    from extract.relevance import matches_any

    assert matches_any("the agency recruits fellows", ["recruit*"])
    assert not matches_any("the agency unrecruits", ["recruit*"])
    assert matches_any("a fellow joined", ["fellow", "tech"])
    assert not matches_any("fellowship only", ["fellow"])
    assert not matches_any("anything", [])


def test_text_and_metadata_of_a_document_are_bounded():
    from extract.text import MAX_TEXT_CHARS, document_from_content

    paragraph = "The agency will hire forty engineers this year, the statement said. " * 20
    html = f"<html><head><title>{'T' * 5000}</title></head><body><article>" + f"<p>{paragraph}</p>" * 400
    doc = document_from_content((html + "</article></body></html>").encode())
    assert len(doc["title"]) == 1024 and MAX_TEXT_CHARS // 2 < len(doc["text"]) <= MAX_TEXT_CHARS
    assert doc["text"].rstrip().endswith("said.")  # cut at a paragraph boundary
    assert "\x00" not in document_from_content(b"Title\nA line with a NUL\x00 byte and more words here.")["text"]


def test_relevance_says_which_rules_decided(blank_resources):
    from extract.article import extract_documents

    text = "US Tech Force\nThe US Tech Force will hire 1,000 engineers for federal agencies."
    (record,) = extract_documents([{"content": text, "force_lang": "en"}], blank_resources)
    reasons = record["relevance_reasons"]
    assert reasons[0] == "programme US Tech Force +0.35"
    assert any(r.startswith("talent +0.30: hire") for r in reasons)
    assert record["relevant"] and record["relevance"] >= 0.55
