"""Protected images: a creator's own pictures match their edited copies, for that creator only."""

from __future__ import annotations

import json

import pytest

from core.media import hash_image
from core.media_matching import stored_signals
from core.protected import (
    BadHashFile,
    ProtectedIndex,
    ProtectedMatch,
    ProtectedPicture,
    export_document,
    parse_document,
)
from tests.media.photos import photo
from tests.media.robustness_set import edits

EDITS = ("jpeg_q30", "resize_50", "resize_25", "banner_15", "crop_5", "crop_10", "mirror")


def protected_index(creator: str, data: bytes) -> ProtectedIndex:
    stored = stored_signals(hash_image(data))
    index = ProtectedIndex()
    index.remember(ProtectedPicture(creator, 7, stored.sha256, stored.frames))
    return index


def test_edited_copies_match_the_creators_own_picture_and_nobody_elses() -> None:
    made = edits(photo("coffee"))
    index = protected_index("alice", made["original"])
    for edit in EDITS:
        hit = index.match("alice", hash_image(made[edit]))
        assert hit is not None and hit.picture_id == 7, edit
        assert hit.tier in ("auto", "possible") and 0 <= hit.distance < 256, edit
        assert index.match("bob", hash_image(made[edit])) is None, edit
    exact = index.match("alice", hash_image(made["original"]))
    assert exact == ProtectedMatch(7, 0, "exact")
    assert index.match("alice", hash_image(edits(photo("astronaut"))["original"])) is None


def test_closest_match_wins() -> None:
    auto = ProtectedMatch(1, 40, "auto")
    assert auto.closer_than(None, None)
    assert auto.closer_than("possible", 10)
    assert not auto.closer_than("exact", 0)
    assert auto.closer_than("auto", 41) and not auto.closer_than("auto", 40)


def test_export_file_round_trips_and_holds_hashes_only() -> None:
    data = edits(photo("coffee"))["original"]
    stored = stored_signals(hash_image(data))
    text = json.dumps(export_document("alice", [stored]))
    creator, [back] = parse_document(json.loads(text))
    assert creator == "alice" and back == stored
    assert data[200:232].hex() not in text and len(text) < 4000


@pytest.mark.parametrize(
    "document",
    [
        [],
        {"format": "other"},
        {"format": "leakdesk-protected-hashes", "version": 9, "creator": "a", "pictures": []},
        {"format": "leakdesk-protected-hashes", "version": 1, "creator": "", "pictures": []},
        {
            "format": "leakdesk-protected-hashes",
            "version": 1,
            "creator": "a",
            "pictures": [{"sha256": "00" * 32, "frames": [["zz" * 8, "00" * 32, 90, 0, 0]]}],
        },
        {
            "format": "leakdesk-protected-hashes",
            "version": 1,
            "creator": "a",
            "pictures": [{"sha256": "00" * 32, "frames": [["00" * 8, "00" * 32, 90, 7, 0]]}],
        },
        {"format": "leakdesk-protected-hashes", "version": 1, "creator": "a", "pictures": [3]},
    ],
)
def test_malformed_export_files_are_refused(document: object) -> None:
    with pytest.raises(BadHashFile):
        parse_document(document)
