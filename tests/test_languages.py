"""Every article labelled with its true language; one in a language without rules is stored as such, with
nothing extracted, and kept out of the timeline and exports unless asked for."""

from __future__ import annotations

import json

from click.testing import CliRunner

from crawler.cli import cli
from crawler.process import process_pages
from store import open_db
from store.pages import save_page

DUTCH = (
    "Digitale overheid zoekt talent\n"
    "De Nederlandse overheid wil dit jaar tweehonderd ontwikkelaars en ontwerpers aannemen. Het programma "
    "begint in september en de eerste groep telt veertig deelnemers, die twee jaar blijven."
)
ENGLISH = (
    "Tech Force hires\n"
    "The Office of Personnel Management will hire 1,000 technologists for the US Tech Force, for two years."
)


def test_extract_says_a_language_is_not_analysed(tmp_path):
    path = tmp_path / "nl.txt"
    path.write_text(DUTCH, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", str(path)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.output)
    assert (record["lang"], record["analysed"], record["relevant"]) == ("nl", False, False)
    assert record["figures"] == record["entities"] == record["events"] == []
    assert record["relevance_reasons"] == ["not analysed: no rules for language 'nl'"]


def test_extract_forces_only_an_analysed_language(tmp_path):
    path = tmp_path / "en.txt"
    path.write_text(ENGLISH, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", "--lang", "nl", str(path)])
    assert result.exit_code == 2 and "'nl' is not one of" in result.output


def _page(db, n: int, text: str) -> None:
    url = f"https://outlet{n}.example/story"
    save_page(
        db,
        {"url": url, "canonical_url": url, "source_id": None, "via": "page", "status": 200,
         "content_type": "text/plain", "headers": {}, "body": text.encode(), "feed_entry": None},
    )  # fmt: skip


def test_an_unanalysed_article_is_stored_counted_and_kept_out_of_exports(tmp_path, resources):
    path = tmp_path / "tw.db"
    db = open_db(path)
    _page(db, 1, DUTCH)
    _page(db, 2, ENGLISH)
    stats = process_pages(db, resources)
    assert (stats["articles"], stats["not_analysed"]) == (2, 1)
    stored = {r["lang"]: r for r in db.query("SELECT lang, analysed, relevant, text FROM articles")}
    assert stored["nl"]["analysed"] == 0 and stored["nl"]["relevant"] == 0 and "veertig" in stored["nl"]["text"]
    assert stored["en"]["analysed"] == 1 and stored["en"]["relevant"] == 1
    nl_id = db.execute("SELECT id FROM articles WHERE lang = 'nl'").fetchone()[0]
    assert db.execute("SELECT count(*) FROM figures WHERE article_id = ?", [nl_id]).fetchone()[0] == 0
    db.close()

    runner = CliRunner()
    status = runner.invoke(cli, ["--db", str(path), "status"])
    assert "Articles in languages not analysed (stored, kept out of the timeline and exports): nl 1" in status.output

    exported = runner.invoke(cli, ["--db", str(path), "export"])
    assert [json.loads(line)["lang"] for line in exported.output.splitlines()] == ["en"]
    refused = runner.invoke(cli, ["--db", str(path), "export", "--lang", "nl"])
    assert refused.exit_code == 2 and "add --include-irrelevant" in refused.output
    dutch = runner.invoke(cli, ["--db", str(path), "export", "--lang", "nl", "--include-irrelevant"])
    assert dutch.exit_code == 0 and [json.loads(line)["lang"] for line in dutch.output.splitlines()] == ["nl"]
    bad = runner.invoke(cli, ["--db", str(path), "export", "--lang", "Dutch"])
    assert bad.exit_code == 2 and "must be an ISO 639-1 language code" in bad.output


# -- German, Spanish and Italian: read with their own rules (config/languages/), no statistical model --------


def figures(sentence: str, lang: str) -> list[tuple]:
    from extract.figures import figures_from_sentence
    from tests.rules import rules

    found = figures_from_sentence(sentence, rules(lang))
    return [(f["kind"], f["value"] if f["value"] is not None else (f["min"], f["max"]) if f["min"] else f.get("iso"),
             f["unit"], f["approx"]) for f in found]  # fmt: skip


def test_german_figures():
    assert figures("Die Behörde will rund 120 neue Mitarbeitende einstellen.", "de") == [
        ("headcount", 120, "person", True)
    ]
    assert figures("Die Zahl der Mitarbeitenden ist von 40 auf 60 gestiegen.", "de") == [
        ("headcount", 40, "person", False), ("headcount", 60, "person", False)
    ]  # fmt: skip
    assert figures("Gesucht werden zweihundertfünfzig Fachkräfte.", "de") == [("headcount", 250, "person", False)]
    assert figures("Dafür stehen 2,5 Millionen Euro bereit.", "de") == [("budget", 2_500_000, "EUR", False)]
    assert figures("Ausgeschrieben sind 1.200 Stellen.", "de")[0][:2] == ("count", 1200)
    assert figures("Das Programm startet am 3. März 2025.", "de") == [("date", "2025-03-03", None, False)]
    assert figures("Der Anteil liegt bei 30 Prozent.", "de") == [("percent", 30, "percent", False)]


def test_spanish_figures():
    assert figures("El ministerio convoca 1.200 plazas para el cuerpo.", "es")[0][:2] == ("count", 1200)
    assert figures("Trabajan allí unos 300 funcionarios.", "es") == [("headcount", 300, "person", True)]
    assert figures("La plantilla pasó de 90 a 130 ingenieros.", "es") == [
        ("headcount", 90, "person", False), ("headcount", 130, "person", False)
    ]  # fmt: skip
    assert figures("El plazo se abrió el 15 de marzo de 2024.", "es") == [("date", "2024-03-15", None, False)]
    assert figures("Solo un 40 por ciento aprobó.", "es") == [("percent", 40, "percent", False)]


def test_italian_figures():
    assert figures("Il dipartimento cerca una ventina di sviluppatori.", "it") == [("headcount", 20, "person", True)]
    assert figures("Saranno assunti circa 150 esperti.", "it") == [("headcount", 150, "person", True)]
    assert figures("Le assunzioni partono dal 1° gennaio 2027.", "it") == [("date", "2027-01-01", None, False)]
    assert figures("Lo stipendio è di 40.000 euro lordi annui.", "it") == [("salary", 40000, "EUR", False)]


def test_bodies_named_by_their_form_in_german_spanish_and_italian(blank_resources):
    from extract.entities import entities_from_doc

    def names(text: str, lang: str) -> set[str]:
        return {e["name"] for e in entities_from_doc(blank_resources.pipeline(lang)(text), blank_resources.gazetteer)}

    assert "Bundesamt für Seeschifffahrt und Hydrographie" in names(
        "Das Bundesamt für Seeschifffahrt und Hydrographie sucht Personal.", "de"
    )
    assert "Landwirtschaftsministerium" in names("Auch das Landwirtschaftsministerium stellt ein.", "de")
    assert "Amt" not in " ".join(names("Das Amt hat viel zu tun.", "de"))
    assert "Dirección General de Tráfico" in names("La Dirección General de Tráfico contrata técnicos.", "es")
    assert "Agenzia delle Dogane" in names("L'Agenzia delle Dogane assume informatici.", "it")


def test_a_german_article_is_read_with_german_rules(resources, tmp_path):
    path = tmp_path / "de.txt"
    path.write_text(
        "Mehr Fachkräfte für die Verwaltung\n"
        "Die DigitalService GmbH des Bundes will im kommenden Jahr rund 120 neue Mitarbeitende einstellen. "
        "Die Fellows arbeiten drei Monate lang in Bundesbehörden an digitalen Projekten.",
        encoding="utf-8",
    )
    record = json.loads(CliRunner().invoke(cli, ["extract", str(path)]).output)
    assert (record["lang"], record["analysed"], record["relevant"]) == ("de", True, True)
    assert {(f["kind"], f["value"]) for f in record["figures"]} >= {("headcount", 120), ("duration", 3)}
    assert "DigitalService GmbH des Bundes" in {e["name"] for e in record["entities"]}


def test_approximations_and_changes_in_each_language():
    assert figures("Ein Dutzend Mitarbeitende wechseln ins Amt.", "de") == [("headcount", 12, "person", True)]
    assert figures("Hay unos 50 ingenieros en el equipo.", "es") == [("headcount", 50, "person", True)]
    assert figures("Il team è passato da 40 a 60 persone.", "it") == [
        ("headcount", 40, "person", False), ("headcount", 60, "person", False)
    ]  # fmt: skip
    # without a verb of change, two numbers joined are a range
    assert figures("Se buscan entre 30 y 45 personas.", "es") == [("headcount", (30, 45), "person", False)]


def test_people_named_after_their_title_where_no_model_finds_people(blank_resources):
    from extract.entities import entities_from_doc

    def people(text: str, lang: str) -> list[str]:
        found = entities_from_doc(blank_resources.pipeline(lang)(text), blank_resources.gazetteer)
        return sorted(e["name"] for e in found if e["kind"] == "person")

    assert people("Die Digitalministerin Erika Beispiel traf Staatssekretär Jonas Muster.", "de") == [
        "Erika Beispiel", "Jonas Muster"
    ]  # fmt: skip
    assert people("El ministro de Consumo, Pablo Ejemplo, habló con la directora Lucía de la Prueba.", "es") == [
        "Lucía de la Prueba", "Pablo Ejemplo"
    ]  # fmt: skip
    assert people("Il commissario Marco Esempio ha incontrato la sindaca.", "it") == ["Marco Esempio"]
    assert people("Der Minister sagte, die Behörde wachse.", "de") == []  # a title alone names nobody
