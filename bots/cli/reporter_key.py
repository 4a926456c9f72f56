"""``leakdesk reporter-key rotate``: re-key the sealed reporter ids with a new secret."""

from __future__ import annotations

from typing import Annotated

import typer

from bots.cli.common import fail, run_database_work, settings

key_app = typer.Typer(
    rich_markup_mode=None, help="The secret sealing reporter ids.", no_args_is_help=True
)


@key_app.command("rotate")
def rotate(
    old_key: Annotated[
        str, typer.Option(prompt=True, hide_input=True, help="The current (newest) secret.")
    ],
    new_key: Annotated[
        str | None,
        typer.Option(help="The new secret (default: a random one, kept in the key file)."),
    ] = None,
) -> None:
    """Re-key every stored reporter id with a new secret, in one transaction.

    Stop the bots first. With a key file, the file gets the new chain (the old secrets stay
    in it: stored ids are hashed again, never recomputed). With LEAKDESK_REPORTER_KEY, pass
    --new-key and append it to the variable yourself.
    """
    from db.engine import create_engine
    from db.migrate import upgrade
    from db.reporter_key import (
        ReporterKeyError,
        key_source,
        new_secret,
        read_or_create_key_file,
        write_key_file,
    )
    from db.reporter_key_rotation import Rotation, rotate_reporter_key

    config = settings()
    configured, path = key_source(
        config.database_url, config.reporter_key, config.reporter_key_file
    )
    if configured is not None and new_key is None:
        raise fail("the key comes from LEAKDESK_REPORTER_KEY: pass --new-key")
    key = configured if configured is not None else read_or_create_key_file(path)
    secret = new_key if new_key is not None else new_secret()
    pending = path.with_name(path.name + ".pending")

    async def work() -> Rotation:
        await upgrade(config.database_url, reporter_key=key)
        engine = create_engine(config.database_url)
        try:
            if configured is None:  # the new chain is on disk before the rows change
                write_key_file(pending, key.rotated(secret.strip()))
            return await rotate_reporter_key(engine, key, old_key, secret)
        finally:
            await engine.dispose()

    try:
        result = run_database_work(work)
    except ReporterKeyError as err:
        pending.unlink(missing_ok=True)
        raise fail(str(err)) from None
    except BaseException:
        pending.unlink(missing_ok=True)
        raise
    if configured is None:
        pending.replace(path)
        where = f"the key file {path} (back it up, apart from the database's backups)"
    else:
        where = "LEAKDESK_REPORTER_KEY: append ',<new key>' to it before starting the bots"
    typer.echo(
        f"re-keyed {result.reporters} reporter id(s) and {result.user_settings} settings "
        f"row(s); the new key chain goes in {where}"
    )


def register(app: typer.Typer) -> None:
    """Add ``reporter-key`` to ``app``."""
    app.add_typer(key_app, name="reporter-key")
