"""What the service runs: absolute paths decided once at install time, so a reboot finds everything."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath

DEFAULT_NAME = "mt5bot"
STOP_FILE = "mt5bot.stop"


class SpecError(Exception):
    """The service cannot be described from what was given; the message says what to fix."""


@dataclass(frozen=True)
class ServiceSpec:
    """One installed service: who runs which Python on which config, from which directory."""

    name: str
    python: PurePath
    config: PurePath
    workdir: PurePath
    account: str

    @property
    def stop_file(self) -> PurePath:
        """The file `mt5bot service stop` creates to ask the running service to stop (mt5bot/stopfile.py)."""
        return stop_file_in(self.workdir)

    def serve_args(self, *, stop_file: bool) -> list[str]:
        """`python -m mt5bot --config CONFIG serve [--stop-file FILE]`, every path absolute."""
        args = [str(self.python), "-m", "mt5bot", "--config", str(self.config), "serve"]
        if stop_file:
            args += ["--stop-file", str(self.stop_file)]
        return args

    def supervise_args(self) -> list[str]:
        """`python -m mt5bot --config CONFIG service run`: serve, restarted after a crash (supervise.py)."""
        return [str(self.python), "-m", "mt5bot", "--config", str(self.config), "service", "run"]


def stop_file_in(workdir: PurePath) -> PurePath:
    """Where the service in `workdir` looks for a stop request: data/mt5bot.stop."""
    return workdir / "data" / STOP_FILE


def config_file(given: str | None, environ: Mapping[str, str]) -> Path:
    """The config file the service will read, as `mt5bot serve` finds it, made absolute; it must exist."""
    raw = given or environ.get("MT5BOT_CONFIG") or "config.yaml"
    path = Path(raw).expanduser().resolve()
    if not path.is_file():
        raise SpecError(f"{path}: no such config file; give one with --config FILE")
    return path


def build(
    name: str,
    config: Path,
    account: str,
    python: str | None = None,
) -> ServiceSpec:
    """The spec for `config`: the working directory is the config's folder, so the relative paths in it
    (data/, logs/) mean the same as when `mt5bot serve` is run from there by hand."""
    if not name or any(c in name for c in '\\/:*?"<>| '):
        raise SpecError(f"{name!r} is not a usable service name (letters, digits, '-', '_', '.')")
    if not account:
        raise SpecError("no account to run the service as; give one with --account")
    exe = Path(python or sys.executable)
    if not exe.is_absolute():
        raise SpecError(f"{exe}: the Python interpreter must be an absolute path")
    return ServiceSpec(name=name, python=exe, config=config, workdir=config.parent, account=account)


def current_account(environ: Mapping[str, str], windows: bool) -> str:
    """Who runs this command: DOMAIN\\user on Windows, the login name elsewhere (the owner under sudo)."""
    if windows:
        user = environ.get("USERNAME", "")
        domain = environ.get("USERDOMAIN", "")
        return f"{domain}\\{user}" if domain and user else user
    return environ.get("SUDO_USER") or environ.get("USER") or _login_name()


def _login_name() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):  # pragma: no cover - only without a passwd entry
        return ""
