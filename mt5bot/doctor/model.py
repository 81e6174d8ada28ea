"""What one check found: a name, a status, what was seen and how to fix it."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Status(StrEnum):
    """`fail` makes `mt5bot doctor` exit non-zero; `warn` deserves a look; `skip`: not applicable."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


class Check(BaseModel):
    """One line of the doctor's report."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    status: Status
    detail: str = ""
    hint: str = ""


def ok(name: str, detail: str = "") -> Check:
    """A passed check."""
    return Check(name=name, status=Status.OK, detail=detail)


def fail(name: str, detail: str, hint: str) -> Check:
    """A failed check, with what to do about it."""
    return Check(name=name, status=Status.FAIL, detail=detail, hint=hint)


def warn(name: str, detail: str, hint: str = "") -> Check:
    """A check that passed with a caveat."""
    return Check(name=name, status=Status.WARN, detail=detail, hint=hint)


def skip(name: str, detail: str) -> Check:
    """A check that does not apply to this configuration, or could not run."""
    return Check(name=name, status=Status.SKIP, detail=detail)


def failed(checks: list[Check]) -> bool:
    """True when any check failed."""
    return any(c.status is Status.FAIL for c in checks)
