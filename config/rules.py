"""The per-language rule files (config/languages/<lang>.yaml) and the language-independent figure rules
(config/figures.yaml), validated with pydantic: a wrong key or type is one line, "file: key: reason"."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Terms = list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Nouns(_Strict):
    people: dict[str, str]
    things: dict[str, tuple[str, str]]


class Verbs(_Strict):
    hiring: Terms
    resignation: Terms
    layoff: Terms


class Joins(_Strict):
    between: Terms
    from_: Terms = Field(alias="from")
    to: Terms
    and_: Terms = Field(alias="and")
    or_: Terms = Field(alias="or")


class Periods(_Strict):
    year: Terms
    month: Terms
    hour: Terms


class DateWords(_Strict):
    year_before: Terms
    month_before: Terms
    qualifying_before: Terms
    happened_before: Terms
    dateline: Terms
    # what may follow a day's number ("3." in German; "st", "nd", "rd", "th" hold everywhere) and the words
    # that may link a day to its month and a month to its year ("15 de marzo de 2024")
    day_suffixes: Terms = Field(default_factory=list)
    month_links: Terms = Field(default_factory=list)


class LanguageFile(_Strict):
    """One analysed language: what its figures and events are read with (see config/languages/README.md)."""

    models: list[str] = Field(default_factory=list)
    # true: a missing model is an installation error; false: without one, the gazetteer and rules alone
    model_required: bool = False
    nouns: Nouns
    fillers: Terms
    counted_before: dict[str, str]
    people_after: Terms
    verbs: Verbs
    events: dict[str, Terms]
    change: Terms
    # words that join two numbers into a change whatever verb goes with them ("von 40 auf 60")
    change_joins: Terms = Field(default_factory=list)
    # words after a number that make it a percentage (besides "%")
    percent: Terms = Field(default_factory=list)
    pay: Terms
    approximately: Terms
    approximately_after: Terms = Field(default_factory=list)
    approximate_nouns: dict[str, float]
    durations: dict[str, str]
    half: str
    age_before: Terms = Field(default_factory=list)
    months: dict[str, int]
    number_words: Terms
    # numbers written as one word ("zweihundertfünfzig"): number words may follow each other without a blank
    compound_numbers: bool = False
    one: Terms
    joins: Joins
    clause_breaks: Terms
    compared: Terms
    ellipsis: Terms
    part_of: Terms
    furniture: Terms
    scales: dict[str, float]
    currencies: dict[str, str]
    periods: Periods
    gross: Terms
    references: Terms
    dates: DateWords

    @field_validator("durations")
    @classmethod
    def _known_units(cls, value: dict[str, str]) -> dict[str, str]:
        units = {"year", "month", "week", "day", "hour", "minute"}
        bad = sorted(set(value.values()) - units)
        if bad:
            raise ValueError(f"unknown unit {bad[0]!r} (expected one of {', '.join(sorted(units))})")
        return value

    @field_validator("months")
    @classmethod
    def _month_numbers(cls, value: dict[str, int]) -> dict[str, int]:
        if any(not 1 <= n <= 12 for n in value.values()):
            raise ValueError("month numbers are 1 to 12")
        return value


class FigureRules(_Strict):
    """Rules that do not depend on the language: what a headcount measures, where pay ends."""

    headcount_measures: dict[str, Terms]
    hires_of: Terms
    salary_ceiling: dict[str, float]


class Measure(_Strict):
    """One column of the comparison of initiatives: the latest fact of `kind` counting one of `what`."""

    name: str = Field(pattern=r"^[a-z][a-z_]*$")
    title: str
    kind: Literal["headcount", "count", "salary", "budget", "duration", "percent"]
    what: list[str] = Field(min_length=1)


class CompareFile(_Strict):
    measures: list[Measure] = Field(min_length=1)


def _key(loc: tuple[int | str, ...], prefix: str = "") -> str:
    """Where a value is, as the other messages write it: `watches[0].notify[1]`."""
    key = prefix
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else f".{part}" if key else str(part)
    return key or "(file)"


def parse(model: type[BaseModel], data: Any, path: Path, prefix: str = "") -> BaseModel:
    """`data` as `model`; a ConfigError naming the key (below `prefix`) otherwise. Messages never show the
    value itself: it may be a secret (a notification URL)."""
    from config.loader import ConfigError

    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        reason = first["msg"].removeprefix("Value error, ")
        raise ConfigError(path, _key(first["loc"], prefix), reason) from None


def validate(model: type[_Strict], data: Any, path: Path) -> dict[str, Any]:
    """The file's content as plain data once `model` accepts it; a ConfigError naming the key otherwise."""
    return parse(model, data, path).model_dump(by_alias=True)
