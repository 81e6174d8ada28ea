"""`mt5bot --version`: the package, the schema revision shipped, and the configured database's."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from mt5bot import __version__
from mt5bot.cli import main
from storage import Database
from storage.migrate import head_revision


def _version(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    with pytest.raises(SystemExit) as done:
        main([*args, "--version"])
    assert done.value.code == 0
    return capsys.readouterr().out.splitlines()


def test_version_before_and_after_the_database_exists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "db" / "mt5bot.db"
    config = tmp_path / "config.yaml"
    config.write_text(f'database: {{url: "sqlite+aiosqlite:///{path}"}}\n')
    first, shipped, database = _version(capsys, "--config", str(config))
    assert first == f"mt5bot {__version__}"
    assert shipped == f"schema {head_revision()} (shipped)"
    assert database.startswith("database none yet")
    assert not path.exists()  # --version never creates the database

    asyncio.run(_create(path))
    assert _version(capsys, "--config", str(config))[2] == f"database {head_revision()}"


async def _create(path: Path) -> None:
    db = await Database.open(f"sqlite+aiosqlite:///{path}")
    await db.close()


def test_version_answers_with_a_broken_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("database: {url: 12, nope: 1}\n")
    lines = _version(capsys, "--config", str(config))
    assert lines[0] == f"mt5bot {__version__}"
    assert lines[2].startswith("database unknown (config error")


def test_version_answers_when_postgres_is_unreachable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text('database: {url: "postgresql+asyncpg://u:secret-pw@127.0.0.1:1/x"}\n')
    lines = _version(capsys, "--config", str(config))
    assert lines[2].startswith("database unreachable")
    assert "secret-pw" not in "\n".join(lines)
