"""The root ``leakdesk`` command: one error style, plain help, and the command groups."""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError

from bots.cli import cases, escalation, maintenance, reports, run, venues
from bots.cli.common import EXIT_BAD_INPUT, say_error

#: Set to 1 to see the traceback of an unexpected error instead of one line.
DEBUG_VARIABLE = "LEAKDESK_DEBUG"


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


def _plain_type_labels(command: Any) -> None:
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
        _plain_type_labels(child)


class LeakdeskTyper(typer.Typer):
    """A Typer whose errors are one ``leakdesk: …`` line on stderr, never a traceback."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the CLI and exit with its code (0, 2 for bad input, 1 for an unexpected error)."""
        command = typer.main.get_command(self)
        _plain_type_labels(command)
        kwargs.setdefault("prog_name", "leakdesk")
        try:
            code = command.main(*args, standalone_mode=False, **kwargs)
        except NoArgsIsHelpError as err:
            typer.echo(err.format_message())
            code = 0
        except UsageError as err:
            where = f" (see `{err.ctx.command_path} --help`)" if err.ctx is not None else ""
            say_error(f"{err.format_message()}{where}")
            code = EXIT_BAD_INPUT
        except typer.TyperException as err:
            say_error(err.format_message())
            code = err.exit_code
        except typer.Abort:
            say_error("aborted")
            code = 1
        except KeyboardInterrupt:
            code = 130
        except Exception as err:
            if os.environ.get(DEBUG_VARIABLE) == "1":
                raise
            say_error(
                f"unexpected error ({type(err).__name__}); "
                f"run with {DEBUG_VARIABLE}=1 to see the traceback"
            )
            code = 1
        sys.exit(code if isinstance(code, int) else 0)


app = LeakdeskTyper(
    rich_markup_mode=None,  # plain help: rich's formatting costs ~0.1 s of start-up
    pretty_exceptions_enable=False,  # never print locals (tokens, links) in a traceback
    help="leakdesk: community reporting of leaked intimate imagery.",
    no_args_is_help=True,
)
reports.register(app)
cases.register(app)
venues.register(app)
escalation.register(app)
maintenance.register(app)
run.register(app)


def main() -> None:
    """Entry point for ``python -m bots.cli``."""
    app()
