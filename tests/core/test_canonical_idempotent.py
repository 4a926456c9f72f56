"""``canonical(canonical(u)) == canonical(u)`` for every input: a property test.

Inputs are built from the registry's own hosts, rule examples and tracking parameters,
mixed with arbitrary path, query and fragment text, so every rule is exercised on
shapes nobody wrote down.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.errors import InvalidLink
from core.urls import canonicalize, default_registry
from core.urls.canonical import TRACKING_PARAMS

REGISTRY = default_registry()
HOSTS = sorted(
    {"example.com", "sub.example.org", "xn--bcher-kva.de", "8.8.8.8", "[2606:4700::1111]"}
    | {h for p in REGISTRY.platforms for h in (*p.hosts, *p.aliases, *p.host_aliases)}
)
EXAMPLES = sorted(
    {u for p in REGISTRY.platforms for pair in (*p.examples, *p.distinct) for u in pair}
    | {
        u
        for p in REGISTRY.platforms
        for rule in (*p.rewrites, *p.short_links)
        if rule.example
        for u in rule.example
    }
)
PARAMS = sorted(
    {"id", "v", "c", "clip", "surl", "viewkey", "a", "utm_source"}
    | set(TRACKING_PARAMS)
    | {param for p in REGISTRY.platforms for param in p.drop_params}
)
TEXT = st.text(alphabet="aZ09-._~:@!$&'()*+,;=/?#%2F41é日 ", max_size=12)
SEGMENT = st.text(alphabet="aZ09-._~!$'()*+,;=%2F41é@", min_size=1, max_size=10)


@st.composite
def built_links(draw: st.DrawFn) -> str:
    """A link on a registered (or unregistered) host with arbitrary parts."""
    scheme = draw(st.sampled_from(["https://", "http://", "HTTP://", ""]))
    prefix = draw(st.sampled_from(["", "www.", "m.", "de.", "n2.", "clips.", "i.", "media."]))
    host = draw(st.sampled_from(HOSTS))
    if host[0].isdigit() or host.startswith("["):
        prefix = ""
    port = draw(st.sampled_from(["", "", ":443", ":80", ":8080"]))
    segments = draw(st.lists(SEGMENT, max_size=4))
    path = "/" + "/".join(segments) + draw(st.sampled_from(["", "/"]))
    pairs = draw(st.lists(st.tuples(st.sampled_from(PARAMS), TEXT), max_size=3))
    query = "&".join(f"{k}={v}" for k, v in pairs)
    fragment = draw(st.sampled_from(["", "#", "#x", "#!/a", "#!AbC!key", "#F!AbC!k", "#/b"]))
    return f"{scheme}{prefix}{host}{port}{path}{'?' + query if query else ''}{fragment}"


@st.composite
def mutated_examples(draw: st.DrawFn) -> str:
    """A registry example with arbitrary text inserted somewhere after its host."""
    base = draw(st.sampled_from(EXAMPLES))
    start = base.index("/", base.index("://") + 3)
    cut = draw(st.integers(start, len(base)))
    return base[:cut] + draw(TEXT) + base[cut:]


def _assert_fixed_point(raw: str) -> None:
    try:
        first = canonicalize(raw, REGISTRY)
    except InvalidLink:
        return  # refused inputs have no canonical form
    again = canonicalize(first.canonical, REGISTRY)
    assert again.canonical == first.canonical, raw
    assert again.key == first.key
    assert again.platform == first.platform


@pytest.mark.parametrize("raw", EXAMPLES)
def test_registry_examples_are_fixed_points(raw: str) -> None:
    _assert_fixed_point(raw)


@settings(
    max_examples=800,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.one_of(built_links(), mutated_examples()))
@example("https://mega.nz/#!AbCdEf12!Key#more")
@example("https://mega.nz/#!AbC?x=1!key")
@example("https://mega.nz/#F!Fold1234!key!Sub")
@example("https://youtu.be/dQw4w9WgXcQ?v=other")
@example("https://clips.twitch.tv/embed")
@example("https://example.com/a?b=%2F&c=+&d=%26")
@example("http://[2606:4700::1111%25eth0]/")
def test_canonical_form_is_a_fixed_point(raw: str) -> None:
    _assert_fixed_point(raw)


@settings(max_examples=500, derandomize=True, database=None, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_refused_or_a_fixed_point(raw: str) -> None:
    _assert_fixed_point(raw)
