"""The root ``leakdesk`` command: one error style, plain help, and the command groups."""

from __future__ import annotations

import os
import sys
from typing import Any

import typer

from bots.cli import (
    audit,
    cases,
    creators,
    doctor,
    escalation,
    maintenance,
    protect,
    recheck,
    reporter_key,
    reporters,
    reports,
    run,
    venues,
    web,
)
from bots.cli.common import EXIT_BAD_INPUT, say_error
from bots.cli.help_format import plain_type_labels
from core.errors import LeakdeskError

try:  # typer >= 0.29 vendors click
    from typer._click.exceptions import NoArgsIsHelpError, UsageError
except ImportError:  # pragma: no cover - older typer on click
    from click.exceptions import ClickException as ClickError  # type: ignore[assignment]
    from click.exceptions import NoArgsIsHelpError, UsageError  # type: ignore[no-redef]
else:
    ClickError = typer.TyperException

#: Set to 1 to see the traceback of an unexpected error instead of one line.
DEBUG_VARIABLE = "LEAKDESK_DEBUG"


class LeakdeskTyper(typer.Typer):
    """A Typer whose errors are one ``leakdesk: …`` line on stderr, never a traceback."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the CLI and exit with its code (0, 2 for bad input, 1 for an unexpected error)."""
        command = typer.main.get_command(self)
        plain_type_labels(command)
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
        except ClickError as err:
            say_error(err.format_message())
            code = err.exit_code
        except typer.Abort:
            say_error("aborted")
            code = 1
        except KeyboardInterrupt:
            code = 130
        except LeakdeskError as err:  # refused input or an unusable setup: its own one line
            say_error(str(err))
            code = EXIT_BAD_INPUT
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
creators.register(app)
recheck.register(app)
maintenance.register(app)
reporter_key.register(app)
run.register(app)
web.register(app)
doctor.register(app)
audit.register(app)
protect.register(app)
reporters.register(app)


def main() -> None:
    """Entry point for ``python -m bots.cli``."""
    app()
