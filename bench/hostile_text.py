"""Hostile chat text against link extraction: the cost of one message, in milliseconds.

    python -m bench.hostile_text

Each case is a crafted message (4,000-character runs that made the old backtracking pattern
quadratic, 500 links, 4,096 zero-width joiners, right-to-left overrides inside links);
``extract_links`` runs on it 20 times and the median is printed, next to an ordinary message
of the same length.  Target: every case under 5 ms (the old pattern took ~150 ms on a
4,000-character run, twice per DM).

Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import time

from core.urls import extract_links

CASES = {
    "ordinary 4,000 chars": ("see https://example.com/a and www.example.org/b " * 90)[:4000],
    "a-a-a-… run (4,000)": "a-" * 2000,
    "a.a.a.… run (4,000)": "a." * 2000,
    "a-…-b.com/ run (4,000)": "a-" * 1998 + "b.com/",
    "www.www.… (4,000)": "www." * 1000,
    "https:// + 4,000 x": "https://" + "x" * 4000,
    "closing parens (4,000)": "https://example.com/" + ")" * 4000,
    "500 links": " ".join(f"https://example.com/leak/{n}" for n in range(500)),
    "4,096 zero-width joiners": "\u200d" * 4096,
    "RTL overrides in links": " ".join(f"https://ex\u202eample.com/{n}\u202e" for n in range(200)),
}


def median_ms(text: str, rounds: int = 20) -> float:
    """Median wall time of ``extract_links(text)`` in milliseconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        extract_links(text)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Print one line per case: its length, links found and median cost."""
    for name, text in CASES.items():
        found = len(extract_links(text))
        print(f"{name:28} {len(text):6} chars {found:4} link(s) {median_ms(text):8.3f} ms")


if __name__ == "__main__":
    main()
