"""Verdicts on what the terminal said: algo trading, margin mode, symbols, clock skew.

Pure functions over the terminal layer's typed answers (`TerminalState`, `Account`, symbol names), so
each rule is tested without a terminal; `terminal_probe.py` asks the terminal and calls them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from mt5bot.config import Settings
from mt5bot.doctor.model import Check, fail, ok, warn
from mt5bridge.simulator.settings import MarginMode as SimMarginMode
from mt5bridge.terminal.enums import MarginMode
from mt5bridge.terminal.models import Account, TerminalState
from mt5bridge.trading.resolve import AliasLookup, candidates, canonical_of

SKEW_WARN_SEC = 30.0
# A newest quote older than this says more about a closed or quiet market than about the clock.
STALE_QUOTE_SEC = 120.0
ALGO_HINT = (
    "press Algo Trading in the terminal's toolbar and tick "
    "Tools > Options > Expert Advisors > Allow algorithmic trading"
)


def link(terminal: TerminalState) -> Check:
    """The terminal is connected to its trade server (not only running)."""
    where = f"{terminal.company or terminal.name} build {terminal.build}".strip()
    if not terminal.connected:
        return fail(
            "terminal",
            f"{where}: running but not connected to the trade server",
            "log in in the terminal (File > Login to Trade Account) and check its internet access",
        )
    return ok("terminal", f"{where}, connected")


def algo_terminal(terminal: TerminalState) -> Check:
    """Algo trading is allowed in the terminal: the toolbar button and the Python API option."""
    if not terminal.trade_allowed:
        return fail(
            "algo trading (terminal)", "the Algo Trading button is off: every order answers 10027", ALGO_HINT
        )
    if terminal.tradeapi_disabled:
        return fail(
            "algo trading (terminal)",
            "'Disable algorithmic trading via external Python API' is ticked",
            "untick it in Tools > Options > Expert Advisors",
        )
    return ok("algo trading (terminal)", "allowed, Python API enabled")


def algo_account(account: Account) -> Check:
    """The account may trade, and may trade by program."""
    if not account.trade_allowed:
        return fail(
            "algo trading (account)",
            f"account {account.login} may not trade (logged in with the investor password?)",
            "log in with the master (trading) password",
        )
    if not account.trade_expert:
        return fail(
            "algo trading (account)",
            f"account {account.login}: the broker does not allow automated trading",
            "ask the broker to enable expert advisors / algorithmic trading for this account",
        )
    return ok(
        "algo trading (account)", f"account {account.login} ({account.trade_mode.value}) may trade by program"
    )


def margin_mode(account: Account, simulator_mode: SimMarginMode | None) -> Check:
    """Hedging or netting; on the simulator, the account's mode is the one the config asks for."""
    mode = account.margin_mode
    detail = f"{mode.value} account"
    if simulator_mode is not None and mode.value != simulator_mode.value:
        return fail(
            "margin mode",
            f"{detail}, but mt5.simulator.margin_mode is {simulator_mode.value}: "
            "the saved demo account keeps the mode it was created with",
            "delete the simulator state file and its .journal files to rebuild the demo, or set it back",
        )
    if mode is MarginMode.EXCHANGE:
        return warn(
            "margin mode",
            f"{detail} (netting rules, exchange margining)",
            "one position per symbol, as netting",
        )
    return ok("margin mode", detail)


def named_symbols(settings: Settings) -> dict[str, list[str]]:
    """Every symbol name the configuration uses -> where it appears."""
    found: dict[str, list[str]] = {}

    def add(names: Iterable[str], where: str) -> None:
        for name in names:
            if name.strip():
                found.setdefault(name.strip(), []).append(where)

    add(settings.nlu.aliases, "nlu.aliases")
    add(settings.nlu.price_bands, "nlu.price_bands")
    add(settings.risk.allowed_symbols, "risk.allowed_symbols")
    for user in settings.users:
        add(user.allowed_symbols, f"users[{user.platform}:{user.id}].allowed_symbols")
    return found


def broker_name(wanted: str, broker: Iterable[str], aliases: AliasLookup | None) -> str | None:
    """The broker's name for `wanted` (suffixes and synonyms resolved as the trading core does), or None."""
    names = list(broker)
    found = candidates(wanted, names) or candidates(canonical_of(wanted, aliases), names)
    return found[0] if found else None


def symbols(wanted: dict[str, list[str]], broker: Iterable[str], aliases: AliasLookup | None) -> Check:
    """Each configured symbol exists at the broker."""
    names = list(broker)
    if not wanted:
        return ok("symbols", f"none named in config; the broker lists {len(names)}")
    missing, mapped = [], []
    for name, places in sorted(wanted.items()):
        real = broker_name(name, names, aliases)
        if real is None:
            missing.append(f"{name} ({', '.join(places)})")
        elif real != name:
            mapped.append(f"{name}->{real}")
    if missing:
        return fail(
            "symbols",
            "not at the broker: " + "; ".join(missing),
            "use the broker's names (Market Watch > Symbols) or remove them from the config",
        )
    shown = f" ({', '.join(mapped)})" if mapped else ""
    return ok("symbols", f"{len(wanted)} named in config, all at the broker{shown}")


def clock_skew(newest_quote: datetime | None, now: datetime) -> Check:
    """This machine's clock against the trade server's, as seen in the newest quote (UTC on both sides)."""
    if newest_quote is None:
        return warn(
            "clock", "no quote in Market Watch to read the server's time from", "add a symbol to Market Watch"
        )
    ahead = (newest_quote - now).total_seconds()  # > 0: the server is ahead of us (or our clock is behind)
    if ahead < -STALE_QUOTE_SEC:
        return ok(
            "clock",
            f"not measurable now: the newest quote is {-ahead:.0f} s old (market closed or quiet)",
        )
    if abs(ahead) > SKEW_WARN_SEC:
        side = "behind" if ahead > 0 else "ahead of"
        return warn(
            "clock",
            f"this machine's clock is {abs(ahead):.0f} s {side} the trade server's",
            "sync the clock: Windows `w32tm /resync`, Linux `timedatectl set-ntp true`",
        )
    return ok("clock", f"within {SKEW_WARN_SEC:.0f} s of the trade server ({ahead:+.1f} s)")


def offset_check(configured: int | None, raw_quote_epoch: int, now_epoch: float) -> Check | None:
    """On a real terminal: does `mt5.server_utc_offset` match the server's clock (to the hour)?

    The terminal's times are the server's wall clock written as UTC; the hour they differ from ours is
    the server's UTC offset. None when the quote is too old to tell (a weekend).
    """
    raw = raw_quote_epoch - now_epoch
    seen = round(raw / 3600) * 3600
    if abs(raw - seen) > STALE_QUOTE_SEC:
        return None
    if seen == (configured or 0):
        return None
    setting = "unset (0)" if configured is None else str(configured)
    return warn(
        "server offset",
        f"the trade server runs at UTC{seen / 3600:+g} h but mt5.server_utc_offset is {setting}: "
        "report periods and UTC times would be shifted",
        f"set mt5.server_utc_offset: {seen} (it changes with daylight saving at most brokers)",
    )
