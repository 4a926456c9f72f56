"""The shortcuts canonicalization takes must give exactly what url-normalize gives."""

from __future__ import annotations

import random

from url_normalize.normalize_path import normalize_path
from url_normalize.normalize_query import normalize_query

from core.urls import canonical
from core.urls.registry import default_registry

#: characters that matter to the shortcuts: safe ones, separators, escapes, dots, non-ASCII
ALPHABET = "aZ09-._~:@!$&'()*+,;=[]/?%2F%41#é 日\"<>{}|\\^`"


def _random_texts(seed: int, count: int, prefix: str) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        length = rng.randint(0, 14)
        texts.append(prefix + "".join(rng.choice(ALPHABET) for _ in range(length)))
    return texts


PATHS = [
    "/",
    "",
    "/a",
    "/a/",
    "/a//b",
    "/a/./b",
    "/a/../b",
    "/a/.",
    "/a/..",
    "/.hidden/x",
    "/a.b/c..d/",
    "/%7Euser",
    "/%2f",
    "/caf%C3%A9",
    "/café",
    "/i/status/123",
    "/a b",
    "/a=b&c;d",
]
QUERIES = ["", "a", "a=1", "a=1&b=2", "a=1=2", "=1", "&a", "a&", "a&&b", "a=%41", "q=caf%C3%A9"]


def test_path_shortcut_matches_url_normalize() -> None:
    paths = PATHS + _random_texts(1, 5000, "/") + _random_texts(2, 1000, "")
    wrong = [p for p in paths if canonical._normalize_path(p) != normalize_path(p, "https")]
    assert wrong == []


def test_query_shortcut_matches_url_normalize() -> None:
    queries = QUERIES + _random_texts(3, 5000, "")
    wrong = [q for q in queries if canonical._normalize_query(q) != normalize_query(q)]
    assert wrong == []


def test_shortcuts_are_taken_for_plain_links() -> None:
    assert canonical._PLAIN_PATH.fullmatch("/leaker/status/1234567890")
    assert canonical._PLAIN_QUERY.fullmatch("v=dQw4w9WgXcQ&t=42")


def test_cached_result_is_the_computed_one() -> None:
    registry = default_registry()
    link = "https://x.com/leaker/status/42?s=20"
    first = canonical.canonicalize(link, registry)
    assert canonical.canonicalize(link, registry) is first
    assert canonical._canonicalize(link, registry) == first
