"""Link handling: validation, canonicalization, dedupe keys and the platform registry."""

from core.urls.canonical import CANONICAL_VERSION, MAX_LINK_LENGTH, CanonicalLink, canonicalize
from core.urls.extract import extract_links
from core.urls.registry import Platform, Registry, default_registry, parse_registry

__all__ = [
    "CANONICAL_VERSION",
    "MAX_LINK_LENGTH",
    "CanonicalLink",
    "Platform",
    "Registry",
    "canonicalize",
    "default_registry",
    "extract_links",
    "parse_registry",
]
