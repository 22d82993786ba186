"""Text from the network as it is stored: no control characters, no unpaired surrogates.

A feed entry or a page may carry any code point; stored as is, a vertical tab or a NUL in a title makes every
later Atom export fail (XML 1.0 cannot carry it) and a lone surrogate cannot even be encoded. Each such
character becomes a space (U+FFFD for surrogates and the noncharacters U+FFFE/U+FFFF): one code point for
one, so the offsets of figures and mentions into an article's text still point where they did.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_UNENCODABLE = re.compile(r"[\ud800-\udfff\ufffe\uffff]")


_EITHER = re.compile(f"{_CONTROLS.pattern}|{_UNENCODABLE.pattern}")


def clean_text(text: str) -> str:
    """`text` with every control character a space and every unencodable code point U+FFFD, same length."""
    if not _EITHER.search(text):
        return text  # nearly every string: one scan instead of two
    if _CONTROLS.search(text):
        text = _CONTROLS.sub(" ", text)
    if _UNENCODABLE.search(text):
        text = _UNENCODABLE.sub("\ufffd", text)
    return text


def cleaned(value: Any) -> Any:
    """`value` with every string in it (in dicts, lists and tuples too) cleaned by `clean_text`."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {k: cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cleaned(v) for v in value]
    if type(value) is tuple:
        return tuple(cleaned(v) for v in value)
    return value
