"""Plain ``--help``: click's TEXT/INTEGER/PATH instead of typer's ``<str>``/``<bool>`` tags."""

from __future__ import annotations

from typing import Any

#: typer's type tags as click's plain names; None hides the tag (flags).
PLAIN_TYPES: dict[str, str | None] = {
    "str": "TEXT",
    "int": "INTEGER",
    "float": "FLOAT",
    "Path": "PATH",
    "int range": "INTEGER",
    "bool": None,
}


def _plain_label(tag: str | None) -> str | None:
    """``<str>`` → ``TEXT``, ``<list[Path]>`` → ``PATH``, ``<bool>`` → nothing."""
    if tag is None:
        return None
    inner = tag.strip("<>")
    if inner.startswith("list[") and inner.endswith("]"):
        inner = inner[5:-1]
    return PLAIN_TYPES.get(inner, inner.upper())


def plain_type_labels(command: Any) -> None:
    """Show TEXT/INTEGER in ``--help`` instead of typer's ``<str>``/``<bool>`` tags."""
    for param in getattr(command, "params", ()):
        tagged = getattr(param, "display_type_rich", None)
        if tagged is None:
            continue
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.display_type_rich = lambda ctx: None
        else:
            param.display_type_rich = lambda ctx, tagged=tagged: _plain_label(tagged(ctx)) or ""
    make_help_option = command.get_help_option

    def help_option_without_tag(ctx: Any) -> Any:
        option = make_help_option(ctx)
        if option is not None:
            option.display_type_rich = lambda ctx: None
        return option

    command.get_help_option = help_option_without_tag
    for child in getattr(command, "commands", {}).values():
        plain_type_labels(child)
