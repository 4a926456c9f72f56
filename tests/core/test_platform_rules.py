"""Every rule of ``platforms.toml`` is tested from the data itself.

Each tracking parameter, mirror, host alias, foldable subdomain, rewrite and short link
gets a generated pair that must share a key and one that must not, so a rule added to
the registry is tested the day it is added, and a rule the code stops applying fails.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.urls import Platform, Registry, canonicalize, default_registry
from core.urls.canonical import TRACKING_PARAMS, TRACKING_PREFIXES, TRACKING_VALUES
from core.urls.registry import Rewrite

REGISTRY = default_registry()
PROBE_PATH = "/leakdesk/probe-item"
#: an unregistered host: platform rules must not apply there
ELSEWHERE = "leakdesk-unlisted.example"
#: candidate subdomain labels; each platform's fold_subdomains must fold some of them
SUBDOMAIN_LABELS = ["de", "fr", "pt", "n1", "n4", "c3", "img", "media", "thumbs2", "i", "v3"]


def _key(url: str, registry: Registry = REGISTRY) -> str:
    return canonicalize(url, registry).key


def _ids(items: list[tuple[object, ...]]) -> list[str]:
    return [str(item[0]) for item in items]


def _all_hosts(platform: Platform) -> list[str]:
    return sorted({*platform.hosts, *platform.aliases, *platform.host_aliases})


# --- generated cases -------------------------------------------------------------------


def _drop_params() -> Iterator[tuple[str, Platform, str]]:
    for platform in REGISTRY.platforms:
        for param in sorted(platform.drop_params):
            yield f"{platform.id}:{param}", platform, param


def _aliases() -> Iterator[tuple[str, Platform, str, str]]:
    for platform in REGISTRY.platforms:
        for alias in sorted(platform.aliases):
            yield f"{platform.id}:{alias}", platform, alias, platform.canonical_host
        for source, target in sorted(platform.host_aliases.items()):
            yield f"{platform.id}:{source}", platform, source, target


def _rules() -> Iterator[tuple[str, Platform, str, int, Rewrite]]:
    for platform in REGISTRY.platforms:
        for kind in ("rewrites", "short_links"):
            for index, rule in enumerate(getattr(platform, kind)):
                yield f"{platform.id}:{kind}[{index}]", platform, kind, index, rule


def _pairs(field: str) -> Iterator[tuple[str, str, str]]:
    for platform in REGISTRY.platforms:
        for index, (left, right) in enumerate(getattr(platform, field)):
            yield f"{platform.id}:{field}[{index}]", left, right


DROP_PARAMS = list(_drop_params())
ALIASES = list(_aliases())
RULES = list(_rules())
EXAMPLES = list(_pairs("examples"))
DISTINCT = list(_pairs("distinct"))
HOSTS = [
    (f"{platform.id}:{host}", platform, host)
    for platform in REGISTRY.platforms
    for host in _all_hosts(platform)
]
SUBDOMAIN_FOLDERS = [(p.id, p) for p in REGISTRY.platforms if p.fold_subdomains is not None]


def _without_rule(platform: Platform, kind: str, index: int) -> Registry:
    """The shipped registry with one rule deleted."""
    rules = getattr(platform, kind)
    trimmed = dataclasses.replace(platform, **{kind: rules[:index] + rules[index + 1 :]})
    return Registry(
        tuple(trimmed if p is platform else p for p in REGISTRY.platforms),
        REGISTRY.allow_networks,
    )


def _mutated(url: str, canonical: str) -> str:
    """``url`` with the id its canonical form keeps changed in one character.

    The id is the longest run of letters and digits (or its tail: ``/video<id>``,
    ``/s/1<id>``) of the canonical path that occurs in ``url``, in any case.
    """
    path = canonical.split("://", 1)[1].split("/", 1)[1]
    lowered = url.lower()
    candidates = [
        token[start:]
        for token in re.findall(r"[A-Za-z0-9]+", path)
        for start in range(len(token) - 3)
        if token[start:].lower() in lowered
    ]
    assert candidates, f"no id to mutate in {canonical}"
    token = max(candidates, key=len)
    end = lowered.rindex(token.lower()) + len(token)
    last = url[end - 1]
    if last.isdigit():
        swapped = str((int(last) + 1) % 10)
    else:
        swapped = "a" if last.lower() == "z" else chr(ord(last) + 1)
    return url[: end - 1] + swapped + url[end:]


# --- the registry's shape --------------------------------------------------------------


def test_the_registry_covers_the_places_leaks_spread() -> None:
    expected = {
        "x", "reddit", "youtube", "telegram", "discord", "meta", "threads", "tiktok",
        "bluesky", "snapchat", "kick", "twitch", "onlyfans", "fansly", "patreon", "redgifs",
        "erome", "imgur", "aylo", "xvideos", "xnxx", "xhamster", "spankbang", "eporner",
        "mega", "gofile", "pixeldrain", "bunkr", "mediafire", "dropbox", "google_drive",
        "terabox", "coomer", "simpcity", "socialmediagirls",
    }  # fmt: skip
    assert expected <= {p.id for p in REGISTRY.platforms}


def test_every_rewrite_and_short_link_has_an_example() -> None:
    missing = [name for name, _, _, _, rule in RULES if rule.example is None]
    assert missing == []


@pytest.mark.parametrize(("name", "platform", "host"), HOSTS, ids=_ids(HOSTS))
def test_each_host_belongs_to_its_platform(name: str, platform: Platform, host: str) -> None:
    assert REGISTRY.for_host(host) is platform, f"{host} is claimed by another platform"
    assert canonicalize(f"https://{host}{PROBE_PATH}").platform == platform.id
    lookalike = f"not{host}"
    assert REGISTRY.for_host(lookalike) is not platform or "." in host.split(".", 1)[1]


# --- tracking parameters ---------------------------------------------------------------


@pytest.mark.parametrize(("name", "platform", "param"), DROP_PARAMS, ids=_ids(DROP_PARAMS))
def test_each_platform_tracking_parameter_is_dropped(
    name: str, platform: Platform, param: str
) -> None:
    host = platform.canonical_host
    plain = f"https://{host}{PROBE_PATH}?leakdesk_id=7"
    assert _key(f"https://{host}{PROBE_PATH}?leakdesk_id=7&{param}=abc") == _key(plain)
    assert _key(f"https://{host}{PROBE_PATH}?{param.upper()}=x&leakdesk_id=7") == _key(plain)


@pytest.mark.parametrize(("name", "platform", "param"), DROP_PARAMS, ids=_ids(DROP_PARAMS))
def test_each_platform_tracking_parameter_is_kept_elsewhere(
    name: str, platform: Platform, param: str
) -> None:
    if param in TRACKING_PARAMS or param.startswith(TRACKING_PREFIXES):
        pytest.fail(f"{name}: already dropped on every host, remove it from the platform")
    base = f"https://{ELSEWHERE}{PROBE_PATH}"
    assert _key(f"{base}?{param}=abc") != _key(f"{base}?{param}=abd")


@pytest.mark.parametrize("param", sorted(TRACKING_PARAMS))
def test_each_global_tracking_parameter_is_dropped_everywhere(param: str) -> None:
    base = f"https://{ELSEWHERE}{PROBE_PATH}?id=1"
    assert _key(f"{base}&{param}=abc") == _key(base)
    assert _key(f"{base}&{param}x=abc") != _key(base)  # a longer name is another parameter


@pytest.mark.parametrize("prefix", TRACKING_PREFIXES)
def test_each_tracking_prefix_is_dropped(prefix: str) -> None:
    base = f"https://{ELSEWHERE}{PROBE_PATH}?id=1"
    assert _key(f"{base}&{prefix}source=abc") == _key(base)
    assert _key(f"{base}&x{prefix}source=abc") != _key(base)


@pytest.mark.parametrize(("param", "value"), sorted(TRACKING_VALUES))
def test_each_tracking_value_is_dropped(param: str, value: str) -> None:
    base = f"https://{ELSEWHERE}{PROBE_PATH}?id=1"
    assert _key(f"{base}&{param}={value}") == _key(base)
    assert _key(f"{base}&{param}={value}x") != _key(base)


# --- mirrors, host aliases, subdomains, trailing slashes -------------------------------


@pytest.mark.parametrize(("name", "platform", "alias", "target"), ALIASES, ids=_ids(ALIASES))
def test_each_mirror_is_its_canonical_host(
    name: str, platform: Platform, alias: str, target: str
) -> None:
    link = canonicalize(f"https://{alias}{PROBE_PATH}")
    assert link.host == target
    assert link.key == _key(f"https://{target}{PROBE_PATH}")
    assert _key(f"https://leakdesk-{alias}{PROBE_PATH}") != link.key


@pytest.mark.parametrize(("name", "platform"), SUBDOMAIN_FOLDERS, ids=_ids(SUBDOMAIN_FOLDERS))
def test_foldable_subdomains_are_folded(name: str, platform: Platform) -> None:
    assert platform.fold_subdomains is not None
    folded = [label for label in SUBDOMAIN_LABELS if platform.fold_subdomains.fullmatch(label)]
    assert folded, f"{name}: fold_subdomains matches none of {SUBDOMAIN_LABELS}"
    for host in platform.hosts:
        plain = _key(f"https://{host}{PROBE_PATH}")
        for label in folded:
            assert _key(f"https://{label}.{host}{PROBE_PATH}") == plain
        assert _key(f"https://leakdesk-probe.{host}{PROBE_PATH}") != plain


@pytest.mark.parametrize("platform", REGISTRY.platforms, ids=[p.id for p in REGISTRY.platforms])
def test_trailing_slash_rule(platform: Platform) -> None:
    host = platform.canonical_host
    same = _key(f"https://{host}{PROBE_PATH}/") == _key(f"https://{host}{PROBE_PATH}")
    assert same is platform.fold_trailing_slash
    assert _key(f"https://{host}/") == _key(f"https://{host}")


# --- rewrites and short links ----------------------------------------------------------


@pytest.mark.parametrize(("name", "platform", "kind", "index", "rule"), RULES, ids=_ids(RULES))
def test_each_rewrite_joins_its_example(
    name: str, platform: Platform, kind: str, index: int, rule: Rewrite
) -> None:
    assert rule.example is not None
    given, equivalent = rule.example
    assert canonicalize(given).canonical == canonicalize(equivalent).canonical
    # the rule itself does the work: without it the example is another key
    assert _key(given, _without_rule(platform, kind, index)) != _key(given)


@pytest.mark.parametrize(("name", "platform", "kind", "index", "rule"), RULES, ids=_ids(RULES))
def test_each_rewrite_keeps_ids_apart(
    name: str, platform: Platform, kind: str, index: int, rule: Rewrite
) -> None:
    assert rule.example is not None
    given, _ = rule.example
    other = _mutated(given, canonicalize(given).canonical)
    assert other != given
    assert _key(other) != _key(given)


# --- the registry's own examples -------------------------------------------------------


@pytest.mark.parametrize(("name", "left", "right"), EXAMPLES, ids=_ids(EXAMPLES))
def test_registry_examples_share_a_key(name: str, left: str, right: str) -> None:
    assert canonicalize(left).canonical == canonicalize(right).canonical


@pytest.mark.parametrize(("name", "left", "right"), DISTINCT, ids=_ids(DISTINCT))
def test_registry_distinct_examples_do_not(name: str, left: str, right: str) -> None:
    assert _key(left) != _key(right)


# --- the inventory: a rule deleted from the data fails here ------------------------------

INVENTORY = Path(__file__).with_name("registry_rules.txt")


def rule_inventory(registry: Registry = REGISTRY) -> list[str]:
    """One line per rule of the registry.

    Regenerate the pinned copy with ``python -m tests.core.test_platform_rules``.
    """
    lines = []
    for p in registry.platforms:
        lines += [f"{p.id} host {host}" for host in p.hosts]
        lines += [f"{p.id} alias {alias}" for alias in sorted(p.aliases)]
        lines += [f"{p.id} host_alias {a} -> {b}" for a, b in sorted(p.host_aliases.items())]
        lines += [f"{p.id} drop_param {param}" for param in sorted(p.drop_params)]
        lines += [
            f"{p.id} rewrite {r.example[0] if r.example else r.pattern.pattern}" for r in p.rewrites
        ]
        lines += [
            f"{p.id} short_link {r.example[0] if r.example else r.pattern.pattern}"
            for r in p.short_links
        ]
        if p.fold_subdomains is not None:
            lines.append(f"{p.id} fold_subdomains {p.fold_subdomains.pattern}")
        lines.append(f"{p.id} fold_trailing_slash {p.fold_trailing_slash}")
        lines.append(f"{p.id} keep_fragment {p.keep_fragment}")
    return lines


def test_no_rule_was_deleted_unnoticed() -> None:
    pinned = INVENTORY.read_text(encoding="utf-8").splitlines()
    current = set(rule_inventory())
    gone = [line for line in pinned if line not in current]
    assert gone == [], (
        "rules left platforms.toml; if that was deliberate, regenerate "
        f"{INVENTORY.name} with `python -m tests.core.test_platform_rules`"
    )


def test_every_rule_is_in_the_inventory() -> None:
    pinned = set(INVENTORY.read_text(encoding="utf-8").splitlines())
    new = [line for line in rule_inventory() if line not in pinned]
    assert new == [], (
        "new rules are tested above; pin them too: `python -m tests.core.test_platform_rules`"
    )


if __name__ == "__main__":
    INVENTORY.write_text("\n".join(rule_inventory()) + "\n", encoding="utf-8")
