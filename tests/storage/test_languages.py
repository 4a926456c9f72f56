"""Languages kept in the database (revision 0021): a fan's /language choice and a creator's
default language, on SQLite and PostgreSQL; ``leakdesk creator set C --language``."""

from __future__ import annotations

import json
from pathlib import Path

from bots.bootstrap import App
from core.model import ReporterRef
from core.ports import UserSettings
from tests.cli.runner import leakdesk, one_error_line

FAN = ReporterRef("telegram", "1001")


async def test_a_fans_language_is_kept_beside_their_other_choices(app: App) -> None:
    store = app.user_settings
    await store.set_creator(FAN, "bot-a", "alice")
    await store.set_language(FAN, "bot-a", "pt_BR")
    await store.set_anonymous(FAN, "bot-a", True)

    assert await store.get(FAN, "bot-a") == UserSettings("alice", True, "pt_BR")
    assert (await store.get(FAN, "bot-b")).language is None  # per bot

    await store.set_language(FAN, "bot-a", None)
    assert await store.get(FAN, "bot-a") == UserSettings("alice", True, None)

    await store.set_language(FAN, "bot-a", "ja")
    assert await store.forget(FAN) == 1  # /forget takes the language with the rest
    assert await store.get(FAN, "bot-a") == UserSettings()


async def test_a_creators_default_language(app: App) -> None:
    assert await app.creators.language("alice") is None
    await app.creators.set_language("alice", "es")  # registers the creator if needed
    assert await app.creators.language("alice") == "es"
    assert await app.creators.exists("alice")
    await app.creators.set_language("alice", "de")
    assert await app.creators.language("alice") == "de"


def test_creator_set_language_on_the_command_line(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'ld.db'}"
    assert leakdesk("db", "upgrade", db=db, cwd=tmp_path).returncode == 0

    done = leakdesk("creator", "set", "alice", "--language", "pt-BR", db=db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "idioma de alice: pt_BR"  # said in the new language
    agent = leakdesk(
        "creator", "set", "alice", "--signer", "Alice", "--email", "a@example.org", db=db,
        cwd=tmp_path,
    )  # fmt: skip
    assert agent.returncode == 0, agent.stderr
    assert agent.stdout.strip() == (
        "representante que assina os avisos de alice: Alice <a@example.org>"
    )
    english = leakdesk("creator", "set", "bob", "--signer", "Bo", "--email", "b@example.org",
                       db=db, cwd=tmp_path)  # fmt: skip
    assert english.stdout.strip() == "agent of record for bob: Bo <b@example.org>"

    unknown = leakdesk("creator", "set", "alice", "--language", "xx", db=db, cwd=tmp_path)
    assert unknown.returncode != 0
    assert "unknown language xx" in one_error_line(unknown)

    half = leakdesk("creator", "set", "carol", "--signer", "Carol", db=db, cwd=tmp_path)
    assert half.returncode != 0  # carol has no agent of record yet: both are needed
    assert "--signer and --email" in one_error_line(half)

    # once the agent exists, one field at a time; the others stay
    one = leakdesk("creator", "set", "alice", "--jurisdiction", "us", db=db, cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    shown = leakdesk("creator", "show", "alice", "--json", db=db, cwd=tmp_path)
    agent = json.loads(shown.stdout)
    assert (agent["signer"], agent["email"], agent["jurisdiction"]) == (
        "Alice",
        "a@example.org",
        "US",
    )
    bad = leakdesk("creator", "set", "alice", "--email", "nobody", db=db, cwd=tmp_path)
    assert bad.returncode != 0 and "not an email address" in one_error_line(bad)
