"""Media intake: the guarded fetcher, perceptual hashing and the near-duplicate index.

Typical use by the intake layer::

    fetcher = GuardedFetcher(allow_networks=parse_networks(settings.fetch_allow_networks))
    media = await fetcher.fetch_image(url)          # or attachment bytes
    signals = hash_image(media.data)                # ImageSignals: sha256, pHash, PDQ, frames
    for match in index.query(signals):              # index: MultiIndexHashIndex, loaded at start
        ...                                         # match.tier is Tier.AUTO or Tier.POSSIBLE
    index.add(entry_id, signals)

Errors are the :mod:`core.errors` media errors (``InvalidLink``, ``RefusedAddress``,
``MediaTooLarge``, ``FetchTimeout``, ``NotAnImage``, ``MediaError``).
"""

from core.media.addresses import is_public, parse_host, parse_networks, refusal_reason
from core.media.fetcher import FetchedMedia, GuardedFetcher, system_resolver
from core.media.hashing import (
    PDQ_DIHEDRAL,
    FrameHashes,
    ImageSignals,
    hamming64,
    hash_file,
    hash_image,
    pdq_distance,
    phash_from_signed,
    phash_to_signed,
)
from core.media.html import extract_image_url
from core.media.index import HashIndex, LinearIndex, Match, MultiIndexHashIndex
from core.media.sniff import MediaKind, sniff
from core.media.thresholds import DEFAULT_THRESHOLDS, Thresholds, Tier

__all__ = [
    "DEFAULT_THRESHOLDS",
    "PDQ_DIHEDRAL",
    "FetchedMedia",
    "FrameHashes",
    "GuardedFetcher",
    "HashIndex",
    "ImageSignals",
    "LinearIndex",
    "Match",
    "MediaKind",
    "MultiIndexHashIndex",
    "Thresholds",
    "Tier",
    "extract_image_url",
    "hamming64",
    "hash_file",
    "hash_image",
    "is_public",
    "parse_host",
    "parse_networks",
    "pdq_distance",
    "phash_from_signed",
    "phash_to_signed",
    "refusal_reason",
    "sniff",
    "system_resolver",
]
