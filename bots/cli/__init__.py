"""The ``leakdesk`` command line (typer), one module per command group.

Modules import the database, chat and image libraries only inside the commands that use them,
so ``leakdesk --help`` and ``leakdesk url`` start fast.
"""

from bots.cli.app import app, main

__all__ = ["app", "main"]
