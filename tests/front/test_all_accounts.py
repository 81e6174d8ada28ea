"""All accounts: a trade needs the extra confirmation listing each part; the consolidated report adds up."""

from __future__ import annotations

from decimal import Decimal

from mt5bot.keys import DATABASE, REPORT_SCHEDULERS
from reports.consolidated import consolidate
from reports.models import ReportKind
from reports.remote import RemoteReports
from tests.front.conftest import Front, confirm_of


async def test_a_trade_on_all_accounts_is_confirmed_twice_and_each_part_trades_once(front: Front) -> None:
    await front.open_on("alpha")
    await front.open_on("gamma")
    first = await front.say("alice", "所有账户平仓黄金")
    text = first[0].text
    assert "alpha" in text and "gamma" in text and "IC实盘" in text  # beta's part: nothing to close
    assert front.positions("alpha") == 1 and front.positions("gamma") == 1
    second = await front.tap("alice", confirm_of(first))
    assert "alpha" in second[0].text and "gamma" in second[0].text
    assert "IC实盘" not in second[0].text  # the extra confirmation lists the accounts that trade only
    assert front.positions("alpha") == 1 and front.positions("gamma") == 1  # still nothing sent
    done = await front.tap("alice", confirm_of(second))
    assert done[0].text.count("✅") == 2, done[0].text
    assert front.positions("alpha") == 0 and front.positions("gamma") == 0
    again = await front.tap("alice", confirm_of(second))
    assert again[0].text == done[0].text  # a second tap shows the result; nothing is sent again


async def test_each_accounts_part_has_its_own_request_id_derived_from_the_confirmation(front: Front) -> None:
    await front.open_on("alpha")
    await front.open_on("beta")
    first = await front.say("alice", "所有账户平仓黄金")
    conf_id = confirm_of(first).split(":")[1]
    second = await front.tap("alice", confirm_of(first))
    await front.tap("alice", confirm_of(second))
    for name in ("alpha", "beta"):  # each bridge audited its part under the id the front derived
        rows = await front.bridges[name].app[DATABASE].audit.for_request(f"{conf_id}.{name}")
        assert rows and all(row.account == name for row in rows)
    assert front.positions("alpha") == 0 and front.positions("beta") == 0


async def test_cancelling_the_extra_confirmation_sends_nothing(front: Front) -> None:
    await front.open_on("alpha")
    first = await front.say("alice", "所有账户平仓黄金")
    second = await front.tap("alice", confirm_of(first))
    cancel = confirm_of(second).replace(":y", ":n")
    await front.tap("alice", cancel)
    assert front.positions("alpha") == 1


async def test_an_incomplete_trade_on_all_accounts_is_refused_not_asked(front: Front) -> None:
    (reply,) = await front.say("alice", "所有账户平仓")
    assert not reply.buttons and "所有账户" in reply.text


async def test_a_user_with_one_account_trades_only_there_on_all_accounts(front: Front) -> None:
    await front.open_on("alpha")
    await front.open_on("beta")
    first = await front.say("bob", "所有账户平仓黄金")
    assert "alpha" not in first[0].text
    second = await front.tap("bob", confirm_of(first))
    await front.tap("bob", confirm_of(second))
    assert front.positions("beta") == 0 and front.positions("alpha") == 1


async def test_the_consolidated_report_adds_up_to_the_per_account_reports(front: Front) -> None:
    await front.open_on("alpha")
    await front.open_on("beta", "EURUSD", 0.2)
    await front.open_on("gamma", "XAUUSD", 0.03)
    sources = {e.name: RemoteReports(e.remote) for e in front.directory if e.remote is not None}
    reports = {name: await source.build(ReportKind.DAILY) for name, source in sources.items()}
    merged = consolidate(reports)
    (usd,) = merged.currencies
    cents = lambda v: Decimal(str(v)).quantize(Decimal("0.01"))  # noqa: E731
    assert cents(usd.balance) == sum(cents(r.account.balance) for r in reports.values())
    assert cents(usd.equity) == sum(cents(r.account.equity) for r in reports.values())
    assert cents(usd.total.total) == sum(cents(r.total.total) for r in reports.values())
    own = [await front.core(name).account() for name in ("alpha", "beta", "gamma")]  # each bridge's own
    assert cents(usd.balance) == sum(cents(a.balance) for a in own)
    assert 39_990 < usd.balance < 40_000  # 10 000 + 25 000 + 5 000, less the opening commissions
    (reply,) = await front.say("alice", "所有账户日报")
    assert "所有账户" in reply.text and f"{usd.balance:,.2f}" in reply.text
    assert {h.symbol for h in merged.hedges} == {"XAUUSD"}  # held on alpha and gamma


async def test_a_consolidated_report_names_the_accounts_that_did_not_answer(front: Front) -> None:
    await front.bridges["gamma"].runner.cleanup()
    (reply,) = await front.say("alice", "所有账户日报")
    assert "gamma" in reply.text.split("\n")[-1]


async def test_scheduled_reports_go_per_account_to_its_users_plus_the_consolidated_one(front: Front) -> None:
    await front.open_on("alpha")
    await front.open_on("beta", "EURUSD", 0.2)
    schedulers = front.app[REPORT_SCHEDULERS]
    assert len(schedulers) == 4  # alpha, beta, gamma and the consolidated
    for scheduler in schedulers:
        await scheduler.fire(ReportKind.DAILY)
        await scheduler.drain()
    by_user: dict[str, list[str]] = {}
    for out in front.sent:
        if "日报" in out.reply.text:  # the reports, not the notices of the two opens
            by_user.setdefault(out.chat_id, []).append(out.reply.text)
    alice = by_user["alice"]
    assert sum("账户：" in t for t in alice) == 3  # one per account, each headed
    assert sum("所有账户" in t for t in alice) == 1
    bob = by_user["bob"]
    assert len(bob) == 1 and "IC实盘" in bob[0]  # his one account; no consolidated view of one account
    runs = front.app[DATABASE].reports.for_account("beta")  # each bridge's runs under its name
    assert await runs.get("daily", (await schedulers[1].reports.today()).isoformat()) is not None
    # a second firing of the same run sends nothing again
    count = sum("日报" in out.reply.text for out in front.sent)
    for scheduler in schedulers:
        await scheduler.fire(ReportKind.DAILY)
        await scheduler.drain()
    assert sum("日报" in out.reply.text for out in front.sent) == count
