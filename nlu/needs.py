"""What the chat must ask before a parsed trading command is complete: the `needs` of a `Command`."""

from __future__ import annotations

from nlu.command import Command, Intent, Need, RuleNeed


def with_needs(cmd: Command) -> Command:
    """`cmd` with `needs` set to what the chat must ask before it is complete (None when nothing).

    A rule's questions (`rule_needs`) are its reader's (`nlu.rules`: which figure was not said cannot be
    told from a command that has no rule yet); a removal that names no rule asks which one.
    """
    if cmd.intent is Intent.RULE_REMOVE:
        asked = (RuleNeed.RULE,) if cmd.rule_id is None and cmd.selector is None else None
        return cmd if asked == cmd.rule_needs else cmd.model_copy(update={"rule_needs": asked})
    needs = _needs(cmd)
    if not needs and cmd.needs is None:
        return cmd
    return cmd.model_copy(update={"needs": needs or None})


def _needs(cmd: Command) -> tuple[Need, ...]:
    """What the chat asks, in the order it asks: the number's role, the symbol, the side; or the target."""
    needs: list[Need] = []
    if not cmd.intent.is_trading:
        return ()
    if cmd.intent is Intent.OPEN:
        if cmd.number is not None:
            needs.append(Need.VOLUME_OR_PRICE)
        if cmd.symbol is None:
            needs.append(Need.SYMBOL)
        if cmd.side is None:
            needs.append(Need.SIDE)
    elif cmd.symbol is None and cmd.selector is None and cmd.ticket is None and cmd.magic is None:
        needs.append(Need.TICKET)
    return tuple(needs)
