"""The packaged language rules, compiled once for the tests that call the rule functions directly."""

from functools import cache

from config import load_figure_rules, load_language_rules
from extract.rules import LanguageRules, compile_all


@cache
def _all() -> dict[str, LanguageRules]:
    return compile_all(load_language_rules(), load_figure_rules())


def rules(lang: str) -> LanguageRules:
    return _all()[lang]
