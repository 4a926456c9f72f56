"""Notice shapes: a built-in template rendered once per recipient and notice kind.

A bulk escalation renders thousands of notices that differ only in their URLs and case
references (one-URL requests above all). The built-in templates print an item's URL and
case reference as they are, so a notice is rendered once with placeholder items and
each request's notice is that text with its own values put in: the *shape* of the
notice for one recipient, notice kind, agent, date, number of items and list of other
copies. The first notice filled from a shape is checked against a real rendering (a
mismatch turns the shape off); operators' own templates are always rendered in full.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.escalation.notices import NoticeItem

#: a placeholder item's value (the real values are put in verbatim, never parsed again)
_MARK = re.compile("\x00([0-9]+)([uc])\x00")
#: shapes kept at most (one per recipient, kind, item count … of a bulk escalation)
MAX_SHAPES = 4096


@dataclass
class _Shape:
    parts: tuple[str, ...]  # literal text, then (slot) alternately: text, slot, text, …
    slots: tuple[tuple[int, str], ...]
    checked: bool = False
    usable: bool = True

    def fill(self, items: Sequence[NoticeItem]) -> str:
        out = [self.parts[0]]
        for (index, field), text in zip(self.slots, self.parts[1:], strict=True):
            item = items[index]
            out.append(item.url if field == "u" else item.case_code)
            out.append(text)
        return "".join(out)


def placeholders(count: int) -> tuple[NoticeItem, ...]:
    """``count`` items whose URL and case reference mark where they are printed."""
    from core.escalation.notices import NoticeItem  # notices imports this module

    return tuple(NoticeItem(f"\x00{n}u\x00", f"\x00{n}c\x00") for n in range(count))


class NoticeShapes:
    """Shapes of notices, keyed by everything a notice depends on besides its items."""

    def __init__(self) -> None:
        self._shapes: dict[Hashable, _Shape] = {}

    def render(
        self,
        key: Hashable,
        items: Sequence[NoticeItem],
        render: Callable[[Sequence[NoticeItem]], str],
    ) -> str:
        """The notice for ``items``: from the shape under ``key`` (made with ``render`` and
        placeholder items), or ``render(items)`` where a shape cannot stand in."""
        shape = self._shapes.get(key)
        if shape is None:
            if len(self._shapes) >= MAX_SHAPES:
                self._shapes.clear()
            shape = self._shapes[key] = _make_shape(render(placeholders(len(items))))
        if not shape.usable:
            return render(items)
        text = shape.fill(items)
        if not shape.checked:
            shape.checked = True
            shape.usable = text == render(items)
            if not shape.usable:
                return render(items)
        return text


def _make_shape(text: str) -> _Shape:
    pieces = _MARK.split(text)
    parts = tuple(pieces[0::3])
    slots = tuple((int(pieces[n]), pieces[n + 1]) for n in range(1, len(pieces), 3))
    usable = not any("\x00" in part for part in parts)
    return _Shape(parts, slots, usable=usable)
