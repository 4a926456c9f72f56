"""Streams the links of an import file: one URL a line, or a CSV with a ``url`` column."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import BinaryIO


@dataclass(frozen=True)
class ImportLine:
    """One link of the file and the line it is on (1-based, as an editor shows it)."""

    number: int
    url: str


class ImportReader:
    """Iterates a file's links without reading it whole; ``bytes_read`` drives a progress bar.

    A first line whose comma-separated cells include ``url`` (any case) is a CSV header, and the
    ``url`` cell of each row is read (quoted cells and multi-line rows included). Otherwise every
    non-blank line not starting with ``#`` is a link.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.bytes_read = 0

    @property
    def size(self) -> int:
        """The file's size in bytes."""
        return self.path.stat().st_size

    def _text_lines(self, raw: BinaryIO) -> Iterator[str]:
        for number, line in enumerate(raw):
            self.bytes_read += len(line)
            text = line.decode("utf-8", errors="replace")
            yield text.removeprefix("\ufeff") if number == 0 else text

    def __iter__(self) -> Iterator[ImportLine]:
        with self.path.open("rb") as raw:
            lines = self._text_lines(raw)
            first = next(lines, None)
            if first is None:
                return
            header = [cell.strip().lower() for cell in next(csv.reader([first]), [])]
            if "url" in header:
                yield from self._csv_rows(lines, header.index("url"))
            else:
                yield from self._plain_lines(first, lines)

    @staticmethod
    def _csv_rows(lines: Iterator[str], column: int) -> Iterator[ImportLine]:
        reader = csv.reader(lines)
        for row in reader:
            cell = row[column].strip() if len(row) > column else ""
            if cell:
                yield ImportLine(reader.line_num + 1, cell)  # +1: the header line

    @staticmethod
    def _plain_lines(first: str, rest: Iterator[str]) -> Iterator[ImportLine]:
        for number, line in enumerate(chain([first], rest), start=1):
            text = line.strip()
            if text and not text.startswith("#"):
                yield ImportLine(number, text)
