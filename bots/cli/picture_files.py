"""Pictures named on the command line, hashed in memory one by one (bytes dropped at once)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bots.cli.common import say_error, settings

if TYPE_CHECKING:
    from core.media import ImageSignals


class HashedFiles:
    """Iterates ``(path, signals)`` over the files that could be hashed; a file that
    cannot be read or decoded gets one error line and sets :attr:`failed`."""

    def __init__(self, files: list[Path]) -> None:
        self.files = files
        self.failed = False

    def __iter__(self) -> Iterator[tuple[Path, ImageSignals]]:
        from core.errors import LeakdeskError
        from core.media import hash_image

        max_pixels = settings().max_pixels
        for path in self.files:
            try:
                signals = hash_image(path.read_bytes(), max_pixels=max_pixels)
            except OSError as err:
                self.failed = True
                say_error(f"{path}: {err.strerror}")
                continue
            except LeakdeskError as err:
                self.failed = True
                say_error(f"{path}: {err}")
                continue
            yield path, signals
