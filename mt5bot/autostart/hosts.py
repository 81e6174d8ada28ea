"""The one seam to the host system (running its service tools) and the words both managers answer in."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


@dataclass(frozen=True)
class Outcome:
    """What a program answered: its exit code and output."""

    code: int
    out: str = ""
    err: str = ""


class Command(Protocol):
    """Runs a host program (`schtasks.exe`, `powershell.exe`, `systemctl`) and returns its outcome."""

    def __call__(self, argv: Sequence[str]) -> Outcome: ...


def run_command(argv: Sequence[str]) -> Outcome:
    """The real `Command`: the program itself, output decoded leniently (consoles use local code pages)."""
    try:
        done = subprocess.run(  # noqa: S603 - argv is built here from validated names and paths
            list(argv), capture_output=True, text=True, errors="replace", check=False, timeout=120
        )
    except FileNotFoundError:
        return Outcome(127, "", f"{argv[0]}: not found")
    except subprocess.TimeoutExpired:
        return Outcome(124, "", f"{argv[0]}: no answer within 120 s")
    return Outcome(done.returncode, done.stdout, done.stderr)


class State(StrEnum):
    """The service's state in the words `mt5bot service status` prints."""

    MISSING = "not installed"
    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    DISABLED = "disabled"
    FAILED = "failed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Report:
    """What one `mt5bot service` action did, for the user: a line (or a few) and whether it worked."""

    ok: bool
    message: str


class HostError(Exception):
    """A host tool refused; the message names the command and what it said."""


def checked(command: Command, argv: Sequence[str]) -> Outcome:
    """Run `argv`; raise HostError with its own words when it fails."""
    outcome = command(argv)
    if outcome.code != 0:
        said = (outcome.err or outcome.out).strip().splitlines()
        detail = said[-1] if said else f"exit code {outcome.code}"
        raise HostError(f"{' '.join(argv[:3])}... failed: {detail}")
    return outcome
