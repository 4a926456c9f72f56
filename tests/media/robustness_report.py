"""The robustness tables of docs/media.md: ``python -m tests.media.robustness_report``.

Prints, for the robustness set (tests/media/robustness_set.py) under the default
thresholds: per edit, how each edited copy matches its original (edit looked up with
the original stored, and the other way round), which query view decided, and the
distances of that match; then, per rule, the closest pairs of *different* pictures
(ordered pairs, both PDQ qualities ≥ 50) over every pairing of views the index compares;
then whether any different pictures join ``auto`` with every threshold widened.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from core.media.hashing import ImageSignals, hash_image
from core.media.index import LinearIndex
from core.media.thresholds import Thresholds, Tier
from core.media.views import FRAME_RULE, STORED, TARGET, View
from tests.media.robustness_set import (
    AUTO_EDITS,
    EXTRA_EDITS,
    FOUND_EDITS,
    MIN_QUALITY,
    Evaluation,
    Sample,
    build_samples,
    evaluate,
)

WIDENED = Thresholds(
    auto_pdq=28,
    auto_pdq_phash=10,
    auto_phash=4,
    auto_phash_pdq=104,
    auto_close_phash=6,
    auto_close_pdq=36,
    mirror_auto_pdq=12,
    mirror_auto_phash=4,
    possible_phash=10,
    view_phash=8,
    view_auto_pdq=72,
    view_possible_pdq=88,
)
"""Every threshold widened: frame rules by 4 PDQ / 2 pHash bits, view rule by 16 / 2."""


@dataclass(frozen=True, slots=True)
class Hashes:
    """One hash of one sample, as a probe (query side) or a stored row."""

    sample: int
    view: View
    rule: str  # "frame", "mirror" or "view"
    phash: int
    pdq: int
    quality: int


def probes_and_rows(signals: list[ImageSignals]) -> tuple[list[Hashes], list[Hashes]]:
    """Every query probe and every stored row of the set's first frames."""
    probes, rows = [], []
    for n, signal in enumerate(signals):
        frame = signal.first
        if frame is None:
            continue
        full = Hashes(n, View.FULL, "frame", frame.phash, int(frame.pdq, 16), frame.pdq_quality)
        mirror = Hashes(
            n, View.FULL, "mirror", frame.phash_mirror, int(frame.pdq_mirror, 16), full.quality
        )
        probes += [full, mirror]
        rows.append(full)
        for view in frame.views:
            rule = "frame" if view.view in FRAME_RULE else "view"
            hashes = Hashes(n, view.view, rule, view.phash, int(view.pdq, 16), view.pdq_quality)
            probes.append(hashes)
            if view.view in STORED:
                rows.append(hashes)
    return probes, rows


def closest_different(
    samples: list[Sample], probes: list[Hashes], rows: list[Hashes], rule: str, count: int = 6
) -> list[tuple[int, int, str, str, str]]:
    """The ``count`` closest (PDQ, pHash) pairs of different pictures under ``rule``."""
    query = [p for p in probes if p.rule == rule]
    found: dict[tuple[int, int], tuple[int, int, str, str, str]] = {}
    for probe in query:
        for row in rows:
            if TARGET[probe.view] != TARGET[row.view] or probe.sample == row.sample:
                continue
            a, b = samples[probe.sample], samples[row.sample]
            if a.group == b.group or min(probe.quality, row.quality) < MIN_QUALITY:
                continue
            pdq = (probe.pdq ^ row.pdq).bit_count()
            phash = (probe.phash ^ row.phash).bit_count()
            key = (probe.sample, row.sample)
            entry = (pdq, phash, f"{a.photo}/{a.edit}", f"{b.photo}/{b.edit}", probe.view.name)
            if key not in found or entry < found[key]:
                found[key] = entry
    return sorted(found.values())[:count]


def edit_rows(result: Evaluation) -> list[str]:
    """One Markdown row per edit: tiers both ways, deciding views, distance ranges."""
    lines = [
        "| edit | auto / possible / none (edit looked up) | deciding views | pHash max | "
        "PDQ max | auto / possible / none (original looked up) |",
        "|---|---|---|---|---|---|",
    ]
    for edit in (*AUTO_EDITS, *FOUND_EDITS, *EXTRA_EDITS):
        pairs = [
            (q, s) for q, s in result.pairs_of_edit(edit) if result.qualities[s] >= MIN_QUALITY
        ]
        forward = Counter(result.tier(q, s) for q, s in pairs)
        backward = Counter(result.tier(s, q) for q, s in pairs)
        matches = [result.matches[q][s] for q, s in pairs if s in result.matches[q]]
        views = Counter(m.view.name + (" mirrored" if m.mirrored else "") for m in matches)
        phash = max((m.phash_distance for m in matches), default="–")
        pdq = max((m.pdq_distance for m in matches), default="–")
        lines.append(
            f"| {edit} | {_counts(forward)} | "
            f"{', '.join(f'{v} {n}' for v, n in views.most_common())} | {phash} | {pdq} | "
            f"{_counts(backward)} |"
        )
    return lines


def _counts(tiers: Counter[Tier | None]) -> str:
    return f"{tiers[Tier.AUTO]} / {tiers[Tier.POSSIBLE]} / {tiers[None]}"


def false_autos(result: Evaluation) -> list[tuple[str, str, str]]:
    """Pairs of different pictures that joined ``auto``."""
    samples = result.samples
    return [
        (f"{samples[q].photo}/{samples[q].edit}", f"{samples[s].photo}/{samples[s].edit}", m.view)
        for q, found in enumerate(result.matches)
        for s, m in found.items()
        if m.tier is Tier.AUTO and samples[q].group != samples[s].group
    ]


def report() -> str:  # pragma: no cover - run by hand for docs/media.md
    """The Markdown tables of docs/media.md."""
    samples = build_samples()
    signals = [hash_image(sample.data) for sample in samples]
    result = evaluate(samples, signals, LinearIndex())
    lines = edit_rows(result)
    probes, rows = probes_and_rows(signals)
    for rule in ("frame", "mirror", "view"):
        lines += [
            "",
            f"| closest different pairs, {rule} rule (PDQ, pHash) | query | stored | query view |",
            "|---|---|---|---|",
        ]
        for pdq, phash, a, b, view in closest_different(samples, probes, rows, rule):
            lines.append(f"| {pdq}, {phash} | {a} | {b} | {view} |")
    wide = evaluate(samples, signals, LinearIndex(WIDENED))
    pairs = len(samples) * (len(samples) - 1)
    lines += [
        "",
        f"different pictures joined auto: {len(false_autos(result))} of {pairs} ordered pairs; "
        f"with every threshold widened: {len(false_autos(wide))}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(report())
