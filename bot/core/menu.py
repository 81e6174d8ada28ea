"""Buttons where the platform has none (QQ): numbered lines under the text, and a typed number presses one.

For a message with `Incoming.buttons=False`, the core numbers the buttons of its answer into the text
("[1] ✅ 确认") and remembers their actions for that user in that chat; typing "1" then presses the first,
exactly as tapping it would (the confirmation book still decides whether anything runs). Only the latest
answer's menu counts, a press uses it up, and it expires with the confirmation TTL.
"""

from __future__ import annotations

import re

from bot.core.book import ExpiringBook
from bot.core.confirm import Owner
from bot.core.render import Renderer
from bot.messages import Reply

_NUMBER = re.compile(r"^\s*(\d{1,2})\s*$")


class MenuBook(ExpiringBook[Owner, tuple[str, ...]]):
    """The actions of the latest numbered menu shown to each (platform, chat, user)."""

    def offer(self, owner: Owner, replies: list[Reply], renderer: Renderer, lang: str) -> list[Reply]:
        """Number the replies' buttons into their text and remember them (no buttons: forget the old menu)."""
        actions: list[str] = []
        out: list[Reply] = []
        for reply in replies:
            labels = [button.text for row in reply.buttons for button in row]
            if not labels:
                out.append(reply)
                continue
            first = len(actions) + 1
            actions.extend(button.action for row in reply.buttons for button in row)
            menu = renderer.render(lang, "menu", "menu", labels=labels, first=first)
            out.append(
                reply.model_copy(
                    update={
                        "text": f"{reply.text}\n\n{menu.text}",
                        "html": f"{reply.html or reply.text}\n\n{menu.html}",
                        "markdown": f"{reply.markdown}\n\n{menu.markdown}" if reply.markdown else None,
                    }
                )
            )
        self.discard(owner)
        if actions:
            self.put(owner, tuple(actions))
        return out

    def press(self, owner: Owner, text: str) -> str | None:
        """The action a typed number stands for in the owner's current menu (used up), else None."""
        found = _NUMBER.match(text)
        actions = self.get(owner) if found is not None else None
        if found is None or actions is None:
            return None
        index = int(found.group(1)) - 1
        if not 0 <= index < len(actions):
            return None
        self.discard(owner)
        return actions[index]
