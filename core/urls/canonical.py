"""Link validation and canonicalization for dedupe.

The generic part (case, IDN, default ports, dot segments, percent-escapes) is done by
``url-normalize``; on top of it we fold scheme and mobile/www prefixes, apply the
platform registry's mirrors and rewrites, drop tracking parameters, sort the query
and drop the fragment unless the identifier lives there.  ``key`` is the sha256 of
the canonical URL; :data:`CANONICAL_VERSION` changes whenever the rules change.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, quote, urlencode, urlunsplit

from url_normalize.generic_url_cleanup import generic_url_cleanup
from url_normalize.normalize_host import normalize_host
from url_normalize.normalize_path import normalize_path
from url_normalize.normalize_port import normalize_port
from url_normalize.normalize_query import normalize_query
from url_normalize.tools import cleanup_url_input, deconstruct_url

from core.errors import InvalidLink
from core.urls.addresses import Network, check_link_host
from core.urls.registry import Platform, Registry, Rewrite, default_registry

CANONICAL_VERSION = 2
MAX_LINK_LENGTH = 2048

#: Query parameters that never identify content, on any host.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "igsh",
        "si",
        "ref",
        "ref_src",
        "ref_url",
        "_ga",
        "_gl",
        "spm",
        "mibextid",
        "twclid",
        "ttclid",
        "li_fat_id",
        "s_cid",
        "trk",
        "share_id",
        "rdt",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
#: (parameter, value) pairs dropped anywhere: e.g. ``feature=share``.
TRACKING_VALUES = frozenset({("feature", "share"), ("feature", "shared")})
FOLDED_PREFIXES = ("www.", "m.", "mobile.")

_SCHEMELESS = re.compile(r"^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:[/?#]|$)", re.IGNORECASE)
_BAD_CHARACTERS = re.compile(r"[\s\x00-\x1f\x7f]")
_REFUSED_SCHEMES = {"javascript", "data", "file", "vbscript", "blob", "about"}


@dataclass(frozen=True)
class CanonicalLink:
    """A reported link: the original exactly as given, its canonical form and dedupe key."""

    original: str
    canonical: str
    key: str
    host: str
    platform: str | None
    version: int = CANONICAL_VERSION


def _check_shape(raw: str) -> str:
    text = raw.strip()
    if not text:
        raise InvalidLink("empty link")
    if len(text) > MAX_LINK_LENGTH:
        raise InvalidLink(f"link longer than {MAX_LINK_LENGTH} characters")
    if _BAD_CHARACTERS.search(text):
        raise InvalidLink("a link cannot contain spaces or control characters")
    if not text.isascii():
        try:
            text.encode("utf-8")  # a lone surrogate is no character: it cannot be stored
        except UnicodeEncodeError:
            raise InvalidLink("malformed link") from None
    scheme, sep, _ = text.partition(":")
    if sep and scheme.lower() in _REFUSED_SCHEMES:
        raise InvalidLink(f"{scheme.lower()}: links are not accepted")
    if "://" not in text:
        if not _SCHEMELESS.match(text):
            raise InvalidLink("not a web link")
        text = "https://" + text
    elif scheme.lower() not in ("http", "https"):
        raise InvalidLink("only http and https links can be reported")
    return text


@lru_cache(maxsize=65_536)
def _check_address(host: str, port: str, allow_networks: tuple[Network, ...]) -> str:
    """The address rule shared with the fetcher (:func:`check_link_host`), and the port.

    Returns the host to use: an address literal in its standard spelling (``0x08080808``
    is ``8.8.8.8``), a name as it is.
    """
    if not host:
        raise InvalidLink("the link has no host")
    if port and not (port.isascii() and port.isdigit() and 0 < int(port) <= 65_535):
        raise InvalidLink("the link has an invalid port")
    address = check_link_host(host, allow_networks)
    if address is None:
        return host
    if address.version == 6:
        return f"[{str(address).partition('%')[0]}]"  # a zone id means nothing publicly
    return str(address)


#: IDNA encoding (url-normalize's host step) is the slowest part; hosts repeat a lot.
_normalize_host = lru_cache(maxsize=65_536)(normalize_host)

# Characters url-normalize's escaping leaves as they are (never escaped, and no ``%`` to
# decode): a path or query made only of them, with nothing else to fold, comes out of
# its normalization unchanged, so the library call can be skipped (most links are so).
_UNRESERVED = r"A-Za-z0-9_.~\-"
_PATH_SAFE = _UNRESERVED + r":@!$&'()*+,;=\[\]"
_QUERY_SAFE = _UNRESERVED + r":/?@!$'()*+,;\[\]"
#: non-empty segments after a leading slash, an optional trailing slash
_PLAIN_PATH = re.compile(rf"(?:/[{_PATH_SAFE}]+)+/?|/")
_DOT_SEGMENT = re.compile(r"/\.\.?(?:/|$)")
_QUERY_PARAM = rf"(?:[{_QUERY_SAFE}]+(?:=[{_QUERY_SAFE}]*)?|=[{_QUERY_SAFE}]*)"
#: non-empty parameters with at most one ``=`` each
_PLAIN_QUERY = re.compile(rf"{_QUERY_PARAM}(?:&{_QUERY_PARAM})*")


def _normalize_path(path: str) -> str:
    """``normalize_path(path, "https")``, skipped when it would change nothing."""
    if _PLAIN_PATH.fullmatch(path) and not _DOT_SEGMENT.search(path):
        return path
    return normalize_path(path, "https")


def _normalize_query(query: str) -> str:
    """``normalize_query(query)``, skipped when it would change nothing."""
    if not query or _PLAIN_QUERY.fullmatch(query):
        return query
    return normalize_query(query)


def _normalize(text: str) -> tuple[str, str, str, str]:
    """url-normalize's pipeline (case, IDN, port, dot segments, escapes)."""
    parts = deconstruct_url(generic_url_cleanup(cleanup_url_input(text)))
    port = normalize_port(parts.port, parts.scheme.lower())
    return (
        _normalize_host(parts.host),
        port,
        _normalize_path(parts.path),
        _normalize_query(parts.query),
    )


@lru_cache(maxsize=65_536)
def _fold_host(host: str, registry: Registry) -> tuple[str, str, Platform | None]:
    """(host without ``www.``/``m.``/trailing dot, its folded canonical host, its platform)."""
    host = host.rstrip(".")
    while host.startswith(FOLDED_PREFIXES) and host.count(".") >= 2:
        host = host.split(".", 1)[1]
    platform = registry.for_host(host)
    if platform is None:
        return host, host, None
    return host, platform.folded_host(host), platform


def _keep_param(name: str, value: str, platform: Platform | None) -> bool:
    lowered = name.lower()
    if lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES):
        return False
    if (lowered, value.lower()) in TRACKING_VALUES:
        return False
    return not (platform and lowered in platform.drop_params)


def _clean_query(pairs: list[tuple[str, str]], platform: Platform | None) -> str:
    kept = sorted((k, v) for k, v in pairs if _keep_param(k, v, platform))
    return urlencode(kept, quote_via=quote, safe="~-._")


def _apply_rewrites(locator: str, rules: tuple[Rewrite, ...]) -> str | None:
    """The first matching rule's rewrite of ``locator``, or ``None`` if none matches."""
    for rule in rules:
        new, count = rule.pattern.subn(rule.replace, locator, count=1)
        if count:
            return new.lower() if rule.lower else new
    return None


def _fold_slash(path: str) -> str:
    return (path.rstrip("/") or "/") if path.endswith("/") else path


def canonicalize(raw: str, registry: Registry | None = None) -> CanonicalLink:
    """Validate ``raw`` and return its canonical form and dedupe key.

    Raises :class:`~core.errors.InvalidLink` for empty, over-long, non-http(s),
    malformed or private-address links (the registry's ``allow_networks`` excepted).
    ``canonicalize(canonical)`` gives ``canonical`` again.  Results are cached: a
    leaked link is typically reported as the very same string by many people.
    """
    return _canonicalize_cached(raw, registry or default_registry())


def _canonicalize(raw: str, registry: Registry) -> CanonicalLink:
    text = _check_shape(raw)
    text, _, fragment = text.partition("#")
    try:
        host, port, path, raw_query = _normalize(text)
    except (ValueError, UnicodeError) as err:
        raise InvalidLink("malformed link") from err
    host = _check_address(host.lower(), port, registry.allow_networks)
    given_host, host, platform = _fold_host(host, registry)
    path = path or "/"
    pairs = parse_qsl(raw_query, keep_blank_values=True) if raw_query else []
    if platform is None:
        if not (fragment and fragment.startswith(("!", "/"))):
            fragment = ""  # hash-bang routes keep their fragment
        query = _clean_query(pairs, None)
    else:
        path, query, fragment, shortened = _platform_rules(
            platform, given_host, host, path, pairs, fragment
        )
        if shortened:
            host = platform.canonical_host
    netloc = host if port in ("", "80", "443") else f"{host}:{port}"
    canonical = urlunsplit(("https", netloc, path or "/", query, fragment))
    key = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return CanonicalLink(
        original=raw.strip(),
        canonical=canonical,
        key=key,
        host=host,
        platform=platform.id if platform else None,
    )


@lru_cache(maxsize=4096)
def _rules_for(
    platform: Platform, given_host: str, host: str
) -> tuple[
    tuple[tuple[bool, tuple[Rewrite, ...]], ...], tuple[tuple[bool, tuple[Rewrite, ...]], ...]
]:
    """(path rules, query rules) that apply on this host, each as (is_short_link, rules)."""

    def pick(query: bool) -> tuple[tuple[bool, tuple[Rewrite, ...]], ...]:
        shorts = tuple(r for r in platform.short_links if r.query is query and r.host == given_host)
        rewrites = tuple(
            r for r in platform.rewrites if r.query is query and r.host in (None, host)
        )
        return tuple(
            (short, rules) for short, rules in ((True, shorts), (False, rewrites)) if rules
        )

    return pick(False), pick(True)


def _platform_rules(
    platform: Platform,
    given_host: str,
    host: str,
    path: str,
    pairs: list[tuple[str, str]],
    fragment: str,
) -> tuple[str, str, str, bool]:
    """A platform's short links, rewrites and parameter rules: (path, query, fragment, short).

    ``short`` is True when a short-link rule matched (the link moves to the canonical host).
    """
    if platform.fold_trailing_slash:
        path = _fold_slash(path)
    if not (fragment and (platform.keep_fragment or fragment.startswith(("!", "/")))):
        fragment = ""
    short = False
    path_rules, query_rules = _rules_for(platform, given_host, host)
    # path rules see "path" or "path#fragment"; a rewrite may add a query
    for is_short, rules in path_rules:
        rewritten = _apply_rewrites(f"{path}#{fragment}" if fragment else path, rules)
        if rewritten is not None:
            short = short or is_short
            path, _, fragment = rewritten.partition("#")
            path, _, added = path.partition("?")
            if added:
                pairs = pairs + parse_qsl(added, keep_blank_values=True)
    query = _clean_query(pairs, platform)
    # query rules see "path?query" after tracking parameters are gone
    for is_short, rules in query_rules:
        rewritten = _apply_rewrites(f"{path}?{query}" if query else path, rules)
        if rewritten is not None:
            short = short or is_short
            path, _, added = rewritten.partition("?")
            query = _clean_query(parse_qsl(added, keep_blank_values=True), platform)
    if platform.fold_trailing_slash:
        path = _fold_slash(path)
    return path, query, fragment, short


#: (raw link, registry) -> CanonicalLink; failures (InvalidLink) are not cached
_canonicalize_cached = lru_cache(maxsize=8_192)(_canonicalize)
