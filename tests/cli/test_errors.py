"""Unusable databases and refused input: one `leakdesk: ` line, exit code 2, never a traceback."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.cli.runner import leakdesk, one_error_line

LINK = "https://x.com/leaker/status/1234567890"


#: the user's default (no ``LEAKDESK_REPORTER_KEY``: the key file is made beside the database)
#: and an operator's configured key; the test suite itself runs with a configured key
KEY_SOURCES = [
    pytest.param({"LEAKDESK_REPORTER_KEY": ""}, id="key-file"),
    pytest.param({}, id="key-configured"),
]


def _closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("command", [["db", "upgrade"], ["cases"], ["report", LINK]])
def test_unreachable_postgres(tmp_path: Path, command: list[str]) -> None:
    url = f"postgresql+asyncpg://leakdesk:secret-pw@127.0.0.1:{_closed_port()}/leakdesk"
    result = leakdesk(*command, db=url, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    line = one_error_line(result)
    assert line.startswith("leakdesk: cannot use PostgreSQL at 127.0.0.1:")
    assert "secret-pw" not in line


async def test_a_postgres_database_that_does_not_exist(tmp_path: Path, postgres_url: str) -> None:
    from sqlalchemy.engine import make_url

    missing = make_url(postgres_url).set(database="leakdesk_no_such_database")
    url = missing.render_as_string(hide_password=False)
    result = leakdesk("db", "upgrade", db=url, cwd=tmp_path)
    assert result.returncode == 2
    assert one_error_line(result).endswith('database "leakdesk_no_such_database" does not exist')


@pytest.mark.parametrize("key", KEY_SOURCES)
@pytest.mark.parametrize(
    "command", [["db", "upgrade"], ["venues"], ["import", "links.txt"], ["cases"], ["chat"]]
)
def test_sqlite_file_in_a_missing_folder(
    tmp_path: Path, command: list[str], key: dict[str, str]
) -> None:
    (tmp_path / "links.txt").write_text("https://example.com/a\n")
    missing = tmp_path / "no" / "such" / "folder"
    result = leakdesk(
        *command, db=f"sqlite+aiosqlite:///{missing}/leakdesk.db", cwd=tmp_path, env=key
    )
    assert result.returncode == 2
    assert one_error_line(result) == (
        f"leakdesk: the folder of the SQLite database does not exist: {missing}"
    )
    assert not missing.exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("bogus", "the database URL cannot be parsed"),
        ("mysql://root@localhost/db", "unsupported database 'mysql'"),
        ("postgresql+nosuchdriver://u@h/db", "no database driver 'postgresql+nosuchdriver'"),
    ],
)
@pytest.mark.parametrize("key", KEY_SOURCES)
def test_a_database_url_that_cannot_work(
    tmp_path: Path, url: str, message: str, key: dict[str, str]
) -> None:
    for command in (["cases"], ["db", "upgrade"], ["report", LINK]):
        result = leakdesk(*command, db=url, cwd=tmp_path, env=key)
        assert result.returncode == 2
        assert one_error_line(result).startswith(f"leakdesk: {message}")
    assert list(tmp_path.iterdir()) == []


def test_a_key_file_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    key_file = tmp_path / "no" / "such" / "folder" / "reporter.key"
    result = leakdesk(
        "cases",
        db=f"sqlite+aiosqlite:///{tmp_path}/leakdesk.db",
        cwd=tmp_path,
        env={"LEAKDESK_REPORTER_KEY": "", "LEAKDESK_REPORTER_KEY_FILE": str(key_file)},
    )
    assert result.returncode == 2
    line = one_error_line(result)
    assert line.startswith(f"leakdesk: cannot read or create the reporter key file {key_file}")


@pytest.mark.parametrize("scheme", ["sqlite:///", "sqlite+aiosqlite:///"])
def test_a_sqlite_url_without_its_driver_works(tmp_path: Path, scheme: str) -> None:
    """``sqlite:///file`` as other tools write it: leakdesk uses its async driver."""
    url = f"{scheme}{tmp_path}/leakdesk.db"
    reported = leakdesk("report", LINK, db=url, cwd=tmp_path, env={"LEAKDESK_REPORTER_KEY": ""})
    assert reported.returncode == 0, reported.stderr
    listed = leakdesk("cases", db=url, cwd=tmp_path, env={"LEAKDESK_REPORTER_KEY": ""})
    assert listed.returncode == 0 and "x.com" in listed.stdout
    assert (tmp_path / "leakdesk.db.reporter-key").exists()


async def test_a_postgres_url_without_its_driver_works(tmp_path: Path, postgres_url: str) -> None:
    from sqlalchemy.engine import make_url

    plain = make_url(postgres_url).set(drivername="postgresql").render_as_string(False)
    result = leakdesk("db", "upgrade", db=plain, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "revision" in result.stdout


def test_usage_errors_use_the_same_prefix(tmp_path: Path) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'e.db'}"
    unknown = leakdesk("frobnicate", db=db, cwd=tmp_path)
    assert unknown.returncode == 2
    assert (
        one_error_line(unknown) == "leakdesk: No such command 'frobnicate'. (see `leakdesk --help`)"
    )
    negative = leakdesk("purge", "--days", "-1", db=db, cwd=tmp_path)
    assert negative.returncode == 2 and "--days" in one_error_line(negative)
    bad_code = leakdesk("cases", "claim", "not-a-code", db=db, cwd=tmp_path)
    assert one_error_line(bad_code) == "leakdesk: not a case code: not-a-code"
    missing_file = leakdesk("import", "nope.csv", db=db, cwd=tmp_path)
    assert missing_file.returncode == 2 and "nope.csv" in one_error_line(missing_file)
    bad_setting = leakdesk("cases", db=db, cwd=tmp_path, env={"LEAKDESK_WRITER_MAX_BATCH": "many"})
    assert bad_setting.returncode == 2
    assert one_error_line(bad_setting).startswith("leakdesk: setting LEAKDESK_WRITER_MAX_BATCH:")
    assert not (tmp_path / "e.db").exists()  # refused before anything was opened
