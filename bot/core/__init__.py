"""The platform-neutral chat core: `ChatCore.handle(Incoming) -> list[Reply]` and the `Notifier`."""

from bot.core.core import ChatCore
from bot.core.notify import Notifier

__all__ = ["ChatCore", "Notifier"]
