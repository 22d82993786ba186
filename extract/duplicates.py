"""Is this article a syndicated copy of another one? Simhash to find candidates, shingles to confirm.

A wire story republished by several outlets differs by its lead, byline, captions and footer, so an exact
hash misses it. trafilatura's Simhash (64 bits) puts such copies a few bits apart (3 to 15 in our tests)
while unrelated articles are 18 or more apart, which makes it a cheap filter over the recent articles.
Two independent reports of one press release can still come close, and linking them would hide a claim
that might disagree, so a candidate is confirmed by word shingles: most of the shorter text must appear in
the longer one.
"""

from __future__ import annotations

import functools
import re
from hashlib import blake2b

import numpy
from trafilatura.deduplication import sample_tokens

from extract.normalize import fold

SIMHASH_BITS = 64
# Candidates differ by at most this many bits: copies with a new lead, a dropped paragraph and a footer
# stayed under 15 in our tests, a copy cut to less than half its length under 24. Unrelated texts sit
# around 32 (at or under 24 for about 3% of pairs), and the shingle check sorts out those few.
MAX_DISTANCE = 24
SHINGLE = 5  # words
MIN_CONTAINMENT = 0.5
WORD = re.compile(r"\w+")


_BITS = numpy.arange(SIMHASH_BITS, dtype=numpy.uint64)


@functools.lru_cache(maxsize=2**15)
def _token_hash(token: str) -> bytes:
    return blake2b(token.encode(), digest_size=SIMHASH_BITS // 8).digest()


def fingerprint(text: str) -> str:
    """The text's 64-bit simhash as 16 hex digits (what the store keeps): trafilatura's Simhash (same tokens,
    same token hashes, same value, tests/test_duplicates.py checks it), its bit counts summed by numpy
    instead of a Python list of 64 counters per token, which cost a tenth of all the rules."""
    tokens = sample_tokens(fold(text), SIMHASH_BITS)
    hashes = numpy.frombuffer(b"".join(map(_token_hash, tokens)), dtype=">u8").astype(numpy.uint64)
    ones = ((hashes[:, None] >> _BITS) & numpy.uint64(1)).sum(axis=0)
    # a bit is set where at least as many tokens set it as leave it clear
    value = sum(1 << i for i in range(SIMHASH_BITS) if 2 * int(ones[i]) >= len(tokens))
    return f"{value:016x}"


def distance(a: str, b: str) -> int:
    """Hamming distance of two fingerprints."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def close(a: str | None, b: str | None) -> bool:
    return bool(a and b) and distance(a, b) <= MAX_DISTANCE


# An article is compared with every close candidate of its week, and a candidate with every later article
# of that week: the shingles of the texts seen last are kept rather than recomputed for each comparison.
@functools.lru_cache(maxsize=128)
def shingles(text: str) -> frozenset[int]:
    words = WORD.findall(fold(text))
    if len(words) < SHINGLE:
        return frozenset({hash(tuple(words))} if words else ())
    return frozenset(hash(tuple(words[i : i + SHINGLE])) for i in range(len(words) - SHINGLE + 1))


def containment(a: str, b: str) -> float:
    """Share of the shorter text's shingles found in the other text (1.0: one text contains the other)."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    small, large = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    return len(small & large) / len(small)


def same_story(a: str, b: str) -> bool:
    return containment(a, b) >= MIN_CONTAINMENT
