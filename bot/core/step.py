"""What a flow hands back to `ChatCore.handle`: the replies to draw and the audit lines to write.

Flows (trading, commands, presses) never write the audit log themselves: each returns a `Step` whose
`notes` describe the chat-level lines (action, outcome, command, preview, confirmation id, error
code), and `ChatCore.handle` writes them once, in order, at the edge. Both are plain records, so a
flow that builds one does not leave its module.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import JsonValue

from bot.core.auth import Principal
from bot.messages import Reply
from nlu import Command
from storage.models import Outcome


@dataclass(frozen=True, slots=True)
class Note:
    """One chat-level audit line, as `chat.<action>` under the principal's identity and raw text."""

    p: Principal
    action: str
    outcome: Outcome
    command: Command | None = None
    preview: dict[str, JsonValue] | None = None
    confirmation: str | None = None
    error_code: str | None = None


@dataclass(slots=True)
class Step:
    """The outcome of one flow: replies to draw, then audit notes to write (in this order)."""

    replies: list[Reply] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
