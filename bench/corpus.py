"""The benchmarks' corpus: 500 news pages (half French, half English) about government tech-talent
initiatives, generated from a seed, so every run and every machine measures the same documents.

    python -m bench.corpus [N]      # how many pages, words and near-duplicates the first N articles make

Each page is a whole news page: a header, navigation, breadcrumb and cookie banner around an article of
about 600 words (a lead, a byline with its date, paragraphs with a subheading and a quote), then "read
also" links, sharing buttons, a newsletter box and a footer, in one of several site layouts. The article
states what real ones do: headcounts hired, resigning or laid off, salary ranges, budgets, durations,
dates, percentages, partner companies, with initiatives, agencies and companies named as in
config/entities.yaml and people with invented names. The text is written for this benchmark: sentences are
assembled from interchangeable parts with numbers and names drawn anew for every article, so that two
articles share few five-word sequences (extract/duplicates.py must not see them as copies of each other).

Article i depends only on the seed and i, so the first N articles are the same whatever the corpus size.
"""

from __future__ import annotations

import html
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

ARTICLES = 500
SEED = "talentwatch-bench-corpus-1"
TARGET_WORDS = (510, 630)  # article text, lead and subheadings included
# Publication dates over a year, as a year of news from a few dozen sources: syndicated copies are looked for
# among articles published within a week (store/articles.py), so how close the dates are matters.
FIRST_DAY, DAYS = date(2025, 1, 1), 365

# Names from config/entities.yaml (tests/test_bench_extract.py checks they are all there), by article language;
# agencies with the article a sentence needs.
PROGRAMMES = {
    "fr": [
        "Entrepreneurs d'intérêt général", "beta.gouv.fr", "Programme TALENT", "Commando UX", "Tech.gouv",
        "mission Talents", "FranceConnect", "Designers d'intérêt général", "Numérique : l'État recrute",
        "US Tech Force", "Canadian Digital Service", "Incubator for Artificial Intelligence",
    ],
    "en": [
        "US Tech Force", "United States Digital Service", "18F", "Presidential Innovation Fellows",
        "US Digital Corps", "Civic Digital Fellowship", "Canadian Digital Service",
        "Incubator for Artificial Intelligence", "Tech4Germany", "Entrepreneurs d'intérêt général",
    ],
}  # fmt: skip
AGENCIES = {
    "fr": ["la DINUM", "Etalab", "l'ANSSI", "la Direction du numérique des ministères sociaux", "l'ARCEP", "la DINSIC"],
    "en": [
        "the Office of Personnel Management", "the General Services Administration", "the Government Digital Service",
        "the Digital Transformation Agency", "GovTech Singapore", "the Technology Transformation Services",
        "the Central Digital and Data Office", "the Office of Management and Budget",
    ],
}  # fmt: skip
COMPANIES = [
    "Microsoft", "Amazon", "Meta", "Adobe", "Google", "IBM", "Oracle", "Palantir", "OpenAI", "Nvidia",
    "Salesforce", "Capgemini", "Accenture", "Deloitte", "Anthropic", "Apple",
]  # fmt: skip
FIRST_NAMES = [
    "Claire", "Thomas", "Amina", "Julien", "Sofia", "Marc", "Léa", "Karim", "Nora", "Paul", "Inès", "David",
    "Hélène", "Samuel", "Maya", "Olivier", "Priya", "James", "Rachel", "Daniel", "Grace", "Omar", "Laura",
    "Hugo", "Emma", "Lucas", "Yasmine", "Victor", "Alice", "Mathieu", "Sarah", "Kevin", "Chloé", "Ethan",
]  # fmt: skip
LAST_NAMES = [
    "Martin", "Durand", "Lefebvre", "Moreau", "Garnier", "Rousseau", "Benali", "Fontaine", "Chevalier",
    "Okafor", "Nguyen", "Whitaker", "Hollis", "Brennan", "Castillo", "Patel", "Morgan", "Reyes", "Sullivan",
    "Fischer", "Kowalski", "Laurent", "Marchand", "Dubois", "Tanaka", "Ellison", "Hartley", "Mercier",
]  # fmt: skip
FR_MONTHS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split()
EN_MONTHS = "January February March April May June July August September October November December".split()


@dataclass(frozen=True)
class Article:
    index: int
    lang: str
    url: str
    published: str  # ISO date
    title: str
    words: int  # words of the article text the page carries (lead, subheadings and paragraphs)
    html: str


class _Writer:
    """Draws the facts of one article (its initiative, people, numbers) and writes its sentences."""

    def __init__(self, rng: random.Random, lang: str, published: date):
        self.rng, self.lang, self.published = rng, lang, published
        self.programme = rng.choice(PROGRAMMES[lang])
        self.agency = rng.choice(AGENCIES[lang])
        self.people = [f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(3)]
        # French sites group thousands with a space, a no-break space or a narrow no-break space
        self.group = rng.choice([" ", "\u00a0", "\u202f"])
        self.vocabulary: dict[int, list[str]] = {}

    def pick(self, options: list[str]) -> str:
        return self.rng.choice(options)

    def choose(self, bank: list[str]) -> str:
        """A phrase from the part of a shared bank this article uses: each article draws its own half, so
        that articles differ in vocabulary as different writers' do, not only in their numbers."""
        if id(bank) not in self.vocabulary:
            self.vocabulary[id(bank)] = self.rng.sample(bank, max(2, len(bank) // 2))
        return self.rng.choice(self.vocabulary[id(bank)])

    def number(self, n: int) -> str:
        return f"{n:,}".replace(",", self.group) if self.lang == "fr" else f"{n:,}"

    def day(self, spread: int = 400) -> str:
        d = self.published + timedelta(days=self.rng.randint(-spread, spread))
        if self.lang == "fr":
            return f"{'1er' if d.day == 1 else d.day} {FR_MONTHS[d.month - 1]} {d.year}"
        return f"{EN_MONTHS[d.month - 1]} {d.day}, {d.year}"

    def year(self) -> int:
        return self.published.year + self.rng.randint(0, 2)

    def headcount(self) -> int:
        return self.rng.choice([self.rng.randint(8, 95), self.rng.randint(100, 900), self.rng.randint(1, 4) * 500])

    def salary(self) -> tuple[int, int]:
        low = self.rng.randint(38, 140) * 1000
        return low, low + self.rng.randint(10, 70) * 1000

    def companies(self, k: int) -> list[str]:
        return self.rng.sample(COMPANIES, k)

    def person(self) -> str:
        return self.rng.choice(self.people)


def _sentence(*parts: str) -> str:
    """The non-empty parts joined into one sentence, capitalised, with its full stop."""
    text = " ".join(p for p in parts if p)
    return text[0].upper() + text[1:] + "."


# -- French -------------------------------------------------------------------------------------------------

FR_OPENERS = [
    "Selon le dossier de presse,", "D'après les chiffres communiqués,", "Concrètement,", "Dans le détail,",
    "Sur le papier,", "À en croire ses promoteurs,", "Fait notable,", "Pour mémoire,", "Côté calendrier,", "De fait,",
    "Dans les faits,", "À ce stade,", "Selon nos informations,", "Au ministère, on précise que", "", "", "", "",
]  # fmt: skip
FR_PEOPLE = [
    "ingénieurs", "développeurs", "data scientists", "designers", "profils techniques", "experts",
    "chefs de projet", "spécialistes de la cybersécurité", "agents", "jeunes diplômés",
]  # fmt: skip
FR_SUBJECTS = [
    "les équipes", "les agents publics", "les usagers", "les administrations partenaires", "les ministères",
    "les intrapreneurs", "les collectivités", "les directions métiers", "les candidats retenus", "les mentors",
    "les préfectures", "les services déconcentrés", "les opérateurs de l'État", "les lauréats",
    "les chefs de service", "les juristes", "les responsables de la sécurité", "les hôpitaux publics",
]  # fmt: skip
FR_VERBS = [
    "découvrent", "testent", "adoptent", "réclament", "apprécient", "documentent", "partagent", "défendent",
    "améliorent", "revoient", "généralisent", "expérimentent", "financent", "mutualisent", "évaluent", "ouvrent",
]  # fmt: skip
FR_OBJECTS = [
    "des méthodes de travail plus itératives", "un accompagnement au plus près du terrain",
    "des outils ouverts et réutilisables", "une culture de la mesure de l'impact",
    "des services conçus avec leurs utilisateurs", "des démarches en ligne simplifiées",
    "des données publiques mieux documentées", "des recrutements plus rapides",
    "un code source publié sous licence libre", "des prototypes mis à l'épreuve en quelques semaines",
    "des formulaires réécrits en langage clair", "des achats informatiques découpés en petits lots",
    "un hébergement souverain pour leurs applications", "des tableaux de bord publics",
    "des équipes produit pérennes", "une doctrine commune sur l'intelligence artificielle",
    "des parcours de formation pour les managers", "des communautés de pratique entre ministères",
]  # fmt: skip
FR_TAILS = [
    "", "", " depuis le lancement du dispositif", " malgré des budgets contraints", " à un rythme soutenu",
    " au fil des promotions", " sans attendre la fin des expérimentations", " dans plusieurs régions",
    " avec l'appui de la direction", " selon un bilan interne", " au grand dam des sceptiques",
    " pour la première fois", " en lien avec les syndicats", " avant la généralisation prévue",
]  # fmt: skip
FR_CONTEXT = [
    "Le sujet revient régulièrement dans les débats sur l'attractivité de la fonction publique.",
    "La concurrence du privé reste vive sur ces métiers, où les salaires ont fortement augmenté.",
    "Plusieurs rapports parlementaires avaient pointé la dépendance de l'État aux prestataires extérieurs.",
    "Les syndicats, eux, demandent que ces recrutements ne se fassent pas au détriment des titulaires.",
    "Le modèle s'inspire d'expériences menées à l'étranger, notamment aux États-Unis et au Royaume-Uni.",
    "Les premiers retours des administrations d'accueil sont jugés encourageants.",
    "Reste à savoir si les profils recrutés resteront au service de l'État une fois leur mission achevée.",
    "La question de la reconnaissance des compétences numériques dans les grilles indiciaires demeure entière.",
    "Le calendrier a été resserré pour tenir compte des contraintes budgétaires de l'exercice.",
    "Les candidatures sont examinées par un jury mêlant agents publics et personnalités extérieures.",
    "La Cour des comptes avait jugé le pilotage de ces projets trop éclaté entre ministères.",
    "En région, les services peinent encore davantage à attirer des spécialistes.",
    "Le télétravail, longtemps tabou, est devenu un argument de recrutement comme un autre.",
    "Une partie des anciens lauréats a fondé des entreprises qui travaillent désormais avec l'administration.",
    "La réforme de la haute fonction publique a ouvert de nouvelles passerelles vers ces postes.",
    "Les associations d'usagers saluent des services plus simples, mais réclament un guichet humain.",
    "Le cabinet du ministre suit le dossier de près, signe de son caractère politique.",
    "Les écoles d'ingénieurs sont de plus en plus sollicitées pour faire connaître ces carrières.",
    "Aucune évaluation indépendante n'a encore été publiée sur ces résultats.",
    "Le secteur privé observe l'expérience avec intérêt, certains y voyant un vivier de futurs cadres.",
]  # fmt: skip
FR_QUOTES = [
    "Nous voulons montrer que l'on peut faire carrière dans le numérique public",
    "Ces profils apportent une autre manière de travailler, et les équipes en redemandent",
    "L'enjeu n'est pas seulement de recruter, mais de garder ceux qui nous rejoignent",
    "Nous avons appris à aller plus vite sans renoncer à la qualité du service rendu",
    "La puissance publique doit retrouver la maîtrise de ses propres outils",
    "Il faut donner aux agents les moyens de construire eux-mêmes les services de demain",
]  # fmt: skip
FR_HEADINGS = [
    "Un recrutement hors norme", "Des profils rares", "Le nerf de la guerre", "Un calendrier serré",
    "Des partenaires privés", "Les leçons des promotions précédentes", "Et après ?", "Un modèle qui essaime",
]  # fmt: skip
FR_ROLES = [
    "directrice du programme", "chef de projet", "responsable du recrutement", "porte-parole", "directeur adjoint",
]  # fmt: skip


def _fr_hiring(w: _Writer) -> str:
    who = w.choose(FR_PEOPLE)
    if w.rng.random() < 0.3:  # "une cinquantaine d'ingénieurs"
        about = f"une {w.pick(['vingtaine', 'cinquantaine', 'centaine'])}"
        amount = f"{about} d'{who}" if who[0] in "aeéiouy" else f"{about} de {who}"
    else:
        amount = f"{w.number(w.headcount())} {who}"
    verb = w.pick(["prévoit de recruter", "va recruter", "a déjà recruté", "compte embaucher", "a accueilli"])
    when = w.pick([f"d'ici {w.year()}", "avant la fin de l'année", f"depuis le {w.day()}", "dès la rentrée", ""])
    return _sentence(w.choose(FR_OPENERS), w.programme, verb, amount, when)


def _fr_salary(w: _Writer) -> str:
    low, high = w.salary()
    return w.pick([
        f"Les rémunérations proposées vont de {w.number(low)} à {w.number(high)} euros brut par an",
        f"Le salaire annuel se situe entre {w.number(low)} et {w.number(high)} euros selon l'expérience",
        f"Chaque lauréat touchera {w.number(low // 12)} euros brut par mois pendant sa mission",
        f"{w.choose(FR_OPENERS)} la rémunération atteint {w.number(high)} euros par an pour les profils seniors",
    ]) + "."  # fmt: skip


def _fr_budget(w: _Writer) -> str:
    millions = w.rng.randint(2, 90)
    return w.pick([
        f"Le programme est doté de {millions} millions d'euros sur {w.rng.randint(2, 5)} ans",
        f"L'enveloppe votée en loi de finances atteint {millions} millions d'euros",
        f"{w.choose(FR_OPENERS)} l'État y consacre {w.number(w.rng.randint(150, 990) * 1000)} euros par an",
        f"Le fonds a déjà engagé {millions},{w.rng.randint(1, 9)} millions d'euros dans {w.rng.randint(5, 60)} projets",
    ]) + "."  # fmt: skip


def _fr_duration(w: _Writer) -> str:
    months = w.rng.choice([6, 8, 10, 12, 18, 24])
    return w.pick([
        f"Les missions durent {months} mois et se déroulent au sein des administrations d'accueil",
        f"Les contrats sont signés pour {w.rng.randint(1, 3)} ans, renouvelables une fois",
        f"Chaque promotion travaille {months} mois sur un défi proposé par un ministère",
        f"Le dispositif, lancé le {w.day()}, court sur {w.rng.randint(2, 6)} ans",
    ]) + "."  # fmt: skip


def _fr_departures(w: _Writer) -> str:
    n = w.rng.randint(5, 60)
    return w.pick([
        f"{w.choose(FR_OPENERS)} {n} agents ont démissionné depuis le {w.day()}",
        f"Une quarantaine de contractuels ont été licenciés, tandis que {n} autres ont quitté leur poste",
        f"Le ministère a supprimé {n} postes dans ses services informatiques",
        f"{n} % des anciens lauréats travaillent toujours dans le secteur public",
    ]) + "."  # fmt: skip


def _fr_partners(w: _Writer) -> str:
    a, b, c = w.companies(3)
    return w.pick([
        f"{w.rng.randint(5, 30)} entreprises partenaires, dont {a}, {b} et {c}, prêtent des experts au programme",
        f"Des groupes comme {a} et {b} ont signé une convention avec {w.agency}",
        f"{w.choose(FR_OPENERS)} {a} met à disposition {w.rng.randint(3, 40)} ingénieurs pendant {w.rng.randint(3, 12)} mois",
    ]) + "."  # fmt: skip


def _fr_context(w: _Writer) -> str:
    return w.choose(FR_CONTEXT)


def _fr_routine(w: _Writer) -> str:
    opener = w.choose(FR_OPENERS)
    sentence = f"{w.choose(FR_SUBJECTS)} {w.choose(FR_VERBS)} {w.choose(FR_OBJECTS)}{w.choose(FR_TAILS)}."
    return f"{opener} {sentence}" if opener else sentence[0].upper() + sentence[1:]


def _fr_quote(w: _Writer) -> str:
    return f"« {w.choose(FR_QUOTES)} », explique {w.person()}, {w.choose(FR_ROLES)} ({w.agency})."


def _fr_title(w: _Writer) -> str:
    return w.pick([
        f"{w.programme} : l'État veut recruter {w.number(w.headcount())} {w.choose(FR_PEOPLE)}",
        f"Numérique public : {w.programme} change d'échelle",
        _sentence(w.agency, "dresse le bilan de", w.programme)[:-1],
        f"Talents du numérique : ce que change {w.programme} pour les administrations",
        f"{w.programme} ouvre une nouvelle promotion",
    ])  # fmt: skip


def _fr_lead(w: _Writer) -> str:
    return (
        f"Porté par {w.agency}, {w.programme} entend attirer des {w.choose(FR_PEOPLE)} dans l'administration. "
        f"{_fr_hiring(w)}"
    )


FR_FACTS = [_fr_hiring, _fr_salary, _fr_budget, _fr_duration, _fr_departures, _fr_partners]
FR_PROSE = [_fr_context, _fr_routine, _fr_routine]


# -- English ------------------------------------------------------------------------------------------------

EN_OPENERS = [
    "According to the announcement,", "Officials said that", "In practice,", "On paper,", "By the agency's count,",
    "Notably,", "For now,", "As of this week,", "In a statement,", "So far,", "In interviews,", "Behind the scenes,",
    "By most accounts,", "At this stage,", "", "", "", "",
]  # fmt: skip
EN_PEOPLE = [
    "engineers", "technologists", "data scientists", "designers", "product managers", "developers",
    "specialists", "early-career technologists", "fellows", "security experts",
]  # fmt: skip
EN_SUBJECTS = [
    "agency teams", "program staff", "the fellows", "partner agencies", "hiring managers", "civil servants",
    "state officials", "the new recruits", "team leads", "outside advisers", "county governments", "benefits offices",
    "procurement officers", "security reviewers", "product owners", "former participants", "city halls",
    "veterans' offices",
]  # fmt: skip
EN_VERBS = [
    "are adopting", "have tested", "keep asking for", "now rely on", "have documented", "are rebuilding", "push for",
    "have shared", "are piloting", "defend", "are funding", "have scaled up", "measure", "have opened up",
    "rolled out", "question",
]  # fmt: skip
EN_OBJECTS = [
    "shorter delivery cycles", "open-source tools that other agencies can reuse", "plain-language forms",
    "user research before any procurement", "cloud services bought in smaller pieces", "shared design systems",
    "faster security reviews", "hiring panels staffed by subject-matter experts",
    "public dashboards of their results", "prototypes tested with residents within weeks",
    "modular contracts instead of decade-long deals", "login systems that work on any phone",
    "data standards shared across departments", "mentoring for first-time managers",
    "internal guidance on artificial intelligence", "communities of practice across agencies",
    "help desks staffed by the engineers who built the service", "accessibility checks in every release",
]  # fmt: skip
EN_TAILS = [
    "", "", " since the program began", " despite tight budgets", " at a steady pace", " across several states",
    " with support from leadership", " according to an internal review", " to the surprise of skeptics",
    " in every cohort so far", " without waiting for new legislation", " for the first time",
    " in close touch with unions", " ahead of a wider rollout",
]  # fmt: skip
EN_CONTEXT = [
    "The debate over how government competes with private-sector pay is hardly new.",
    "Critics argue that short tours of duty make it hard to keep institutional knowledge.",
    "Supporters counter that fresh talent forces agencies to question old habits.",
    "Lawmakers from both parties have asked for regular reports on the program's results.",
    "Similar efforts abroad, from London to Ottawa, have faced the same questions.",
    "Recruiting has been easier since layoffs in the technology industry freed up experienced staff.",
    "The hiring process itself has long been a bottleneck for technical roles in government.",
    "Unions have warned that temporary hires should not replace permanent civil servants.",
    "Several former participants now lead digital teams in other parts of government.",
    "The timeline leaves little room for the usual delays in security clearances.",
    "The Government Accountability Office has repeatedly flagged the age of federal IT systems.",
    "Outside the capital, agencies struggle even more to attract specialists.",
    "Remote work, once frowned upon, has become a selling point for recruiters.",
    "Some alumni have founded companies that now sell services to the same agencies.",
    "A recent reform of the civil service created new paths into these jobs.",
    "Advocacy groups welcome simpler services but insist on keeping a human on the phone.",
    "The White House has followed the effort closely, a sign of its political weight.",
    "Universities are increasingly asked to promote these careers to their graduates.",
    "No independent evaluation of the results has been published yet.",
    "Private employers are watching the experiment, some of them as a pool of future managers.",
]  # fmt: skip
EN_QUOTES = [
    "We want people to see public service as a serious place to build a career in technology",
    "The fellows change how teams work, and the teams keep asking for more of them",
    "Hiring is only half the job; keeping good people is the other half",
    "We learned to move faster without cutting corners on the service we deliver",
    "Government has to own the tools it depends on",
    "Give civil servants the means to build the services they run, and they will",
]  # fmt: skip
EN_HEADINGS = [
    "A hiring push", "Scarce skills", "Follow the money", "A tight timeline", "Private partners",
    "Lessons from earlier cohorts", "What comes next", "A model that spreads",
]  # fmt: skip
EN_ROLES = ["the program's director", "a deputy administrator", "the head of recruiting", "a spokesperson", "the chief technology officer"]  # fmt: skip


def _en_hiring(w: _Writer) -> str:
    who = w.choose(EN_PEOPLE)
    amount = w.pick([w.number(w.headcount()), f"about {w.number(w.headcount())}", "more than two dozen"])
    verb = w.pick(["plans to hire", "will recruit", "has already hired", "expects to bring in", "has onboarded"])
    when = w.pick([f"by {w.year()}", "before the end of the year", f"since {w.day()}", "this fall", ""])
    return _sentence(w.choose(EN_OPENERS), _en_the(w.programme), verb, amount, who, when)


def _en_the(name: str) -> str:
    """ "the US Tech Force", but "18F" and "Tech4Germany" without an article."""
    return (
        f"the {name}" if name.startswith(("US ", "United", "Presidential", "Civic", "Canadian", "Incubator")) else name
    )


def _en_salary(w: _Writer) -> str:
    low, high = w.salary()
    return w.pick([
        f"Salaries range from ${w.number(low)} to ${w.number(high)} a year",
        f"The positions pay between ${w.number(low)} and ${w.number(high)} annually, depending on experience",
        f"Each fellow earns ${w.number(low // 12)} a month for the length of the tour",
        f"{w.choose(EN_OPENERS)} pay reaches ${w.number(high)} a year for senior roles",
    ]) + "."  # fmt: skip


def _en_budget(w: _Writer) -> str:
    millions = w.rng.randint(2, 90)
    return w.pick([
        f"The program has a budget of ${millions} million over {w.rng.randint(2, 5)} years",
        f"Congress set aside ${millions}.{w.rng.randint(1, 9)} million for the effort in the last spending bill",
        _sentence(w.agency, "spends about")[:-1] + f" ${w.number(w.rng.randint(150, 990) * 1000)} a year on outreach",
        f"The fund has committed ${millions} million to {w.rng.randint(5, 60)} projects so far",
    ]) + "."  # fmt: skip


def _en_duration(w: _Writer) -> str:
    months = w.rng.choice([6, 9, 12, 18, 24])
    return w.pick([
        f"Tours of duty last {months} months, with an option to extend",
        f"Participants sign up for {w.pick(['one-year', 'two-year', 'three-year'])} terms",
        f"Each cohort spends {months} months on a problem chosen by a host agency",
        f"The program, launched on {w.day()}, runs for {w.rng.randint(2, 6)} years",
    ]) + "."  # fmt: skip


def _en_departures(w: _Writer) -> str:
    n = w.rng.randint(5, 60)
    return w.pick([
        f"{w.choose(EN_OPENERS)} {n} staffers resigned after {w.day()}",
        f"Roughly 40 employees were laid off, while {n} others left the agency",
        f"The department cut {n} jobs from its technology office",
        f"About {n}% of former fellows still work in the public sector",
    ]) + "."  # fmt: skip


def _en_partners(w: _Writer) -> str:
    a, b, c = w.companies(3)
    return w.pick([
        f"{w.rng.randint(5, 30)} partner companies, including {a}, {b} and {c}, lend experts to the program",
        f"Firms such as {a} and {b} have signed agreements with {w.agency}",
        f"{a} is lending {w.rng.randint(3, 40)} engineers for {w.rng.randint(3, 12)} months",
    ]) + "."  # fmt: skip


def _en_context(w: _Writer) -> str:
    return w.choose(EN_CONTEXT)


def _en_routine(w: _Writer) -> str:
    opener = w.choose(EN_OPENERS)
    sentence = f"{w.choose(EN_SUBJECTS)} {w.choose(EN_VERBS)} {w.choose(EN_OBJECTS)}{w.choose(EN_TAILS)}."
    return f"{opener} {sentence}" if opener else sentence[0].upper() + sentence[1:]


def _en_quote(w: _Writer) -> str:
    return f"\u201c{w.choose(EN_QUOTES)},\u201d said {w.person()}, {w.choose(EN_ROLES)} at {w.agency}."


def _en_title(w: _Writer) -> str:
    return w.pick([
        f"{w.programme} aims to hire {w.number(w.headcount())} {w.choose(EN_PEOPLE)}",
        f"Inside {_en_the(w.programme)}: a new push for tech talent in government",
        _sentence(w.agency, "takes stock of", _en_the(w.programme))[:-1],
        f"What {_en_the(w.programme)} means for federal hiring",
        f"{w.programme} opens applications for a new cohort",
    ])  # fmt: skip


def _en_lead(w: _Writer) -> str:
    return f"Run by {w.agency}, {_en_the(w.programme)} wants more {w.choose(EN_PEOPLE)} in government. {_en_hiring(w)}"


EN_FACTS = [_en_hiring, _en_salary, _en_budget, _en_duration, _en_departures, _en_partners]
EN_PROSE = [_en_context, _en_routine, _en_routine]

WRITING: dict[str, dict[str, Callable | list]] = {
    "fr": {"facts": FR_FACTS, "prose": FR_PROSE, "quote": _fr_quote, "title": _fr_title, "lead": _fr_lead,
           "headings": FR_HEADINGS},
    "en": {"facts": EN_FACTS, "prose": EN_PROSE, "quote": _en_quote, "title": _en_title, "lead": _en_lead,
           "headings": EN_HEADINGS},
}  # fmt: skip


# -- pages --------------------------------------------------------------------------------------------------

SITES = {
    "fr": [
        ("Le Journal du Numérique Public", ["Accueil", "État numérique", "Talents", "Collectivités", "International"],
         "Lire aussi", "Recevez notre lettre d'information chaque mardi.", "Mentions légales | Confidentialité | Contact"),
        ("La Gazette des Services Publics", ["Actualités", "Fonction publique", "Numérique", "Régions", "Tribunes"],
         "Sur le même sujet", "Abonnez-vous pour recevoir nos analyses.", "À propos | Publicité | Plan du site"),
        ("Acteurs Publics Numériques", ["Une", "Transformation", "Carrières", "Europe", "Podcasts"],
         "À lire également", "Inscrivez-vous à notre newsletter quotidienne.", "CGU | Cookies | Nous écrire"),
    ],
    "en": [
        ("Civic Tech Weekly", ["Home", "Federal", "States", "Workforce", "Opinion"],
         "Related stories", "Get our newsletter every Tuesday.", "Privacy | Terms | Contact us"),
        ("Government Technology Review", ["News", "Digital Services", "Hiring", "World", "Events"],
         "Read more", "Subscribe for the daily briefing.", "About | Advertise | Site map"),
        ("The Public Sector Ledger", ["Latest", "Policy", "Talent", "Budget", "Podcasts"],
         "You may also like", "Sign up for our morning email.", "Cookies | Accessibility | Careers"),
    ],
}  # fmt: skip
COOKIES = {
    "fr": "Ce site utilise des cookies pour mesurer l'audience. Vous pouvez les accepter ou les refuser.",
    "en": "We use cookies to measure our audience. You can accept or refuse them.",
}
BYLINE = {"fr": "Par {author}, publié le {day}", "en": "By {author}, published {day}"}


def _tidy(sentence: str) -> str:
    """One space between words (an empty opener leaves two) and a capital first letter."""
    sentence = " ".join(sentence.split())
    return sentence[0].upper() + sentence[1:]


def _paragraphs(w: _Writer, target: int) -> tuple[list[tuple[str, str]], int]:
    """(tag, text) blocks of the article body until `target` words: paragraphs mixing facts and prose,
    a subheading after the second and a quote somewhere."""
    kit = WRITING[w.lang]
    blocks: list[tuple[str, str]] = []
    words = 0
    quote_at = w.rng.randint(1, 4)
    while words < target:
        if len(blocks) == 2:
            blocks.append(("h2", w.pick(kit["headings"])))
        sentences = [w.pick(kit["facts"])(w) if w.rng.random() < 0.45 else w.pick(kit["prose"])(w)
                     for _ in range(w.rng.randint(3, 5))]  # fmt: skip
        if len(blocks) == quote_at:
            sentences.insert(w.rng.randint(0, len(sentences)), kit["quote"](w))
        text = " ".join(_tidy(s) for s in sentences)
        blocks.append(("p", text))
        words += len(text.split()) + (len(blocks[-2][1].split()) if blocks[-2:-1] and blocks[-2][0] == "h2" else 0)
    return blocks, sum(len(text.split()) for _, text in blocks)


def _page(w: _Writer, index: int, url: str, title: str, lead: str, author: str, blocks: list[tuple[str, str]]) -> str:
    site, menu, related_label, newsletter, legal = w.rng.choice(SITES[w.lang])
    e = html.escape
    day = w.published.isoformat()
    shown_day = w.day(spread=0)
    related = [WRITING[w.lang]["title"](_Writer(random.Random(f"{SEED}-related-{index}-{k}"), w.lang, w.published))
               for k in range(w.rng.randint(3, 5))]  # fmt: skip
    body = "\n".join(f"<{tag}>{e(text)}</{tag}>" for tag, text in blocks)
    nav = "".join(f'<li><a href="/rubrique/{k}">{e(item)}</a></li>' for k, item in enumerate(menu))
    links = "".join(f'<li><a href="/articles/related-{index}-{k}.html">{e(t)}</a></li>' for k, t in enumerate(related))
    return f"""<!doctype html>
<html lang="{w.lang}">
<head>
<meta charset="utf-8">
<title>{e(title)} | {e(site)}</title>
<meta name="description" content="{e(lead)}">
<meta name="author" content="{e(author)}">
<meta property="og:site_name" content="{e(site)}">
<meta property="og:title" content="{e(title)}">
<meta property="og:url" content="{url}">
<meta property="article:published_time" content="{day}T08:{index % 60:02d}:00+00:00">
<link rel="canonical" href="{url}">
</head>
<body>
<div class="cookie-banner" role="dialog"><p>{e(COOKIES[w.lang])}</p><button>OK</button></div>
<header><div class="brand"><a href="/">{e(site)}</a></div><nav aria-label="Main"><ul>{nav}</ul></nav></header>
<nav class="breadcrumb"><a href="/">{e(menu[0])}</a> › <a href="/rubrique/2">{e(menu[2])}</a></nav>
<main>
<article>
<h1>{e(title)}</h1>
<p class="byline">{e(BYLINE[w.lang].format(author=author, day=shown_day))} <time datetime="{day}">{e(shown_day)}</time></p>
<div class="article-body">
<p class="intro"><strong>{e(lead)}</strong></p>
{body}
</div>
</article>
<aside class="related"><h3>{e(related_label)}</h3><ul>{links}</ul></aside>
<div class="share"><a href="https://www.linkedin.com/sharing/share-offsite/?url={url}">LinkedIn</a> <a href="mailto:?body={url}">E-mail</a></div>
<section class="newsletter"><p>{e(newsletter)}</p><form><input type="email"><button>OK</button></form></section>
</main>
<footer><p>{e(legal)}</p><p>© {w.published.year} {e(site)}</p></footer>
</body>
</html>
"""


@cache
def article(index: int) -> Article:
    """Article `index` of the corpus: even indexes in French, odd ones in English."""
    rng = random.Random(f"{SEED}-{index}")
    lang = "fr" if index % 2 == 0 else "en"
    published = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    w = _Writer(rng, lang, published)
    kit = WRITING[lang]
    title = kit["title"](w)
    lead = " ".join(kit["lead"](w).split())
    author = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    target = rng.randint(*TARGET_WORDS) - len(lead.split())
    blocks, words = _paragraphs(w, target)
    url = f"http://127.0.0.1/{lang}/articles/{published.isoformat()}-{index}.html"
    page = _page(w, index, url, title, lead, author, blocks)
    return Article(index, lang, url, published.isoformat(), title, words + len(lead.split()), page)


def articles(n: int = ARTICLES) -> list[Article]:
    return [article(i) for i in range(n)]


def store_corpus(db_path: str | Path, n: int = ARTICLES) -> int:
    """Store the first `n` corpus pages in the database at `db_path` (created if needed) as the crawler
    stores fetched pages, none processed yet; returns the words of article text they carry."""
    from config import Source
    from store import open_db
    from store.pages import save_page
    from store.sources import sync_sources

    chosen = articles(n)
    db = open_db(db_path)
    try:
        sources = [
            Source(id=f"bench-{lang}", kind="feed", url=f"http://127.0.0.1/{lang}/feed.xml") for lang in ("fr", "en")
        ]
        sync_sources(db, sources)
        with db.atomic():
            for a in chosen:
                save_page(db, {
                    "url": a.url, "canonical_url": a.url, "source_id": f"bench-{a.lang}", "via": "feed",
                    "status": 200, "content_type": "text/html; charset=utf-8",
                    "headers": {"Content-Type": "text/html; charset=utf-8"}, "body": a.html.encode("utf-8"),
                    "fetched_at": f"{a.published}T12:00:00Z",
                })  # fmt: skip
    finally:
        db.close()
    return sum(a.words for a in chosen)


def main(argv: list[str] | None = None) -> int:
    from extract import duplicates
    from extract.text import document_from_html

    args = sys.argv[1:] if argv is None else argv
    chosen = articles(int(args[0]) if args else ARTICLES)
    texts = [(a, (document_from_html(a.html, a.url) or {}).get("text", "")) for a in chosen]
    fingerprints = [duplicates.fingerprint(t) for _, t in texts]
    copies = [
        (a.index, b.index)
        for i, (a, ta) in enumerate(texts)
        for j, (b, tb) in enumerate(texts[:i])
        if a.lang == b.lang and duplicates.close(fingerprints[i], fingerprints[j]) and duplicates.same_story(ta, tb)
    ]
    words = [len(t.split()) for _, t in texts]
    print(f"{len(chosen)} articles ({sum(a.lang == 'fr' for a in chosen)} French), {sum(words):,} words after "
          f"trafilatura (mean {sum(words) / len(words):.0f}, min {min(words)}, max {max(words)}), "
          f"{sum(len(a.html) for a in chosen) / 2**20:.1f} MB of HTML, near-duplicate pairs: {len(copies)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
