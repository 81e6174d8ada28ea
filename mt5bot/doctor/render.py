"""The report as text (one line per check, a mark, the fix hint below) or as JSON for machines."""

from __future__ import annotations

import json

from mt5bot.doctor.model import Check, Status, failed

MARKS = {Status.OK: "✓", Status.FAIL: "✗", Status.WARN: "!", Status.SKIP: "-"}
# For a console that cannot show ✓/✗ (e.g. a Windows code page): same width, plain ASCII.
ASCII_MARKS = {Status.OK: "+", Status.FAIL: "x", Status.WARN: "!", Status.SKIP: "-"}


def marks_for(encoding: str | None) -> dict[Status, str]:
    """✓/✗ when the output encoding can show them, else ASCII marks."""
    try:
        "✓✗".encode(encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return ASCII_MARKS
    return MARKS


def text(checks: list[Check], encoding: str | None = "utf-8") -> str:
    """One line per check, its hint indented under it, and a summary line."""
    marks = marks_for(encoding)
    width = max(len(c.name) for c in checks)
    lines = []
    for check in checks:
        lines.append(f"{marks[check.status]} {check.name.ljust(width)}  {check.detail}".rstrip())
        if check.hint and check.status in (Status.FAIL, Status.WARN):
            lines.append(f"  {' ' * width}  -> {check.hint}")
    counts = {s: sum(c.status is s for c in checks) for s in Status}
    summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
    lines.append(("some checks failed: " if failed(checks) else "all good: ") + summary)
    return "\n".join(lines)


def as_json(checks: list[Check]) -> str:
    """`{"ok": bool, "checks": [{name, status, detail, hint}, ...]}`."""
    body = {"ok": not failed(checks), "checks": [c.model_dump(mode="json") for c in checks]}
    return json.dumps(body, ensure_ascii=False, indent=2)
