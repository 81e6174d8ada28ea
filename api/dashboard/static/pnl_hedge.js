// The hedge report: the books of the open positions (per symbol, and per EA within a symbol) and the
// suggestions, each with a button that opens the same preview and second click as every trade (confirm.js).
// A suggestion's `action` is the trading core's CloseRequest or ModifyRequest as JSON: its fields are sent
// as they are (same tickets, same volume), never rebuilt from the text.
import { lots, signed, t, words } from "./i18n.js";
import { el } from "./dom.js";
import { confirmFlow } from "./confirm.js";
import { eaName, fill, tone } from "./pnl_tables.js";

words({
  en: {
    "pnl.hedge": "Hedge report", "pnl.books": "By symbol and EA (lots)", "pnl.buy": "Buy", "pnl.sell": "Sell",
    "pnl.net": "Net", "pnl.locked": "Locked", "pnl.all_eas": "all EAs", "pnl.no_positions": "No open positions.",
    "pnl.suggestions": "Suggestions", "pnl.no_suggestions": "No suggestions.", "pnl.account_scope": "Account",
    "pnl.lots": "lots", "pnl.more": "+{n} more", "pnl.hedge_totals": "Floating {f} · swap {s} {c}",
    "pnl.s.margin": "Margin level only {level}: close the most losing position first to cut the risk of a stop-out",
    "pnl.s.cut_exposure": "{where}: the one-sided exposure is losing; reduce it to cut the risk",
    "pnl.s.unlock": "{where}: the hedged legs are in profit together; close both to free the margin",
    "pnl.s.take_profit": "{where}: the profitable positions are above the take-profit threshold; take the profit",
    "pnl.s.stale_loss": "{where}: a losing position has been open for {days} days; consider cutting it",
    "pnl.verb.close": "Close", "pnl.verb.cut_exposure": "Reduce", "pnl.verb.take_profit": "Take profit",
    "pnl.verb.modify": "Change", "pnl.positions_n": "{n} positions", "pnl.modify_title": "Confirm: change",
    "pnl.not_here": "not available from the dashboard: use the chat",
    "pnl.sev.alert": "alert", "pnl.sev.warn": "warning", "pnl.sev.info": "tip",
  },
  zh: {
    "pnl.hedge": "对冲报告", "pnl.books": "按品种和 EA（手）", "pnl.buy": "买", "pnl.sell": "卖",
    "pnl.net": "净", "pnl.locked": "锁仓", "pnl.all_eas": "全部 EA", "pnl.no_positions": "当前没有持仓。",
    "pnl.suggestions": "建议", "pnl.no_suggestions": "暂无操作建议。", "pnl.account_scope": "账户",
    "pnl.lots": "手", "pnl.more": "等 {n} 笔", "pnl.hedge_totals": "浮动 {f} · 库存费 {s} {c}",
    "pnl.s.margin": "保证金水平仅 {level}：建议先平掉亏损最大的持仓，降低爆仓风险",
    "pnl.s.cut_exposure": "{where} 单边敞口正在亏损：建议减仓，降低风险",
    "pnl.s.unlock": "{where} 锁仓两边合计已盈利：建议一起平仓，释放保证金",
    "pnl.s.take_profit": "{where} 盈利持仓合计超过止盈线：建议止盈",
    "pnl.s.stale_loss": "{where} 亏损持仓已持有 {days} 天：建议考虑止损",
    "pnl.verb.close": "平仓", "pnl.verb.cut_exposure": "减仓", "pnl.verb.take_profit": "止盈",
    "pnl.verb.modify": "修改", "pnl.positions_n": "{n} 笔", "pnl.modify_title": "请确认：修改",
    "pnl.not_here": "仪表盘无法执行，请在聊天中操作",
    "pnl.sev.alert": "警报", "pnl.sev.warn": "注意", "pnl.sev.info": "提示",
  },
});

const net = (value) => (value > 0 ? "+" : "") + lots(value);
const VERBS = { cut_exposure: "pnl.verb.cut_exposure", take_profit: "pnl.verb.take_profit" };
const level = (value) => (value === null || value === undefined ? "-" : `${Math.round(value)}%`);

/**
 * The REST order a suggestion's action is: `["close", body]` for a CloseRequest (every field it sets, as
 * it is), `["modify", body]` for a ModifyRequest of one ticket (the REST modify takes a ticket and the new
 * levels only), null when the dashboard cannot send it as it stands.
 */
export function suggestedOrder(action) {
  if (!action) return null;
  const given = Object.fromEntries(Object.entries(action).filter(([, v]) => v !== null && v !== undefined));
  if ("volume" in action || "fraction" in action) return ["close", given];
  const { ticket, selector, symbol, side, magic, ...levels } = given;
  const narrowed = symbol !== undefined || side !== undefined || magic !== undefined;
  if (!ticket || narrowed || (selector && selector !== "ticket")) return null;
  return ["modify", { ticket, ...levels }];
}

function tickets(list) {
  const shown = list.slice(0, 3).map((n) => `#${n}`).join(", ");
  return list.length > 3 ? `${shown} ${fill(t("pnl.more"), { n: list.length - 3 })}` : shown;
}

function where(s, names) {
  const parts = [];
  if (s.symbol) parts.push(s.symbol);
  if (s.magic !== null && s.magic !== undefined) parts.push(eaName(s.magic, null, names));
  return parts.join(" ") || t("pnl.account_scope");
}

/** The suggestion's sentence, as the chat words it. */
export function sentence(s, names) {
  return fill(t(`pnl.s.${s.kind}`), { where: where(s, names), days: s.days ?? "-", level: level(s.margin_level) });
}

/** The facts in brackets: lots, amount, tickets. */
function facts(s, currency) {
  const out = [];
  if (s.volume !== null && s.volume !== undefined) out.push(`${lots(s.volume)} ${t("pnl.lots")}`);
  if (s.amount !== null && s.amount !== undefined) out.push(`${signed(s.amount)} ${currency}`);
  if (s.tickets.length) out.push(tickets(s.tickets));
  return out.join(" · ");
}

/** The button's words, as the chat's: a verb, the position or the group (the EA by name), the amount. */
export function buttonLabel(s, route, currency, names) {
  const verb = t(route === "modify" ? "pnl.verb.modify" : VERBS[s.kind] ?? "pnl.verb.close");
  let target;
  if (s.tickets.length === 1) target = `#${s.tickets[0]}`;
  else {
    const parts = [];
    if (s.symbol) parts.push(s.symbol);
    if (s.magic !== null && s.magic !== undefined) parts.push(eaName(s.magic, null, names));
    target = parts.join(" ") || fill(t("pnl.positions_n"), { n: s.tickets.length });
  }
  return s.amount === null || s.amount === undefined ? `${verb} ${target}` : `${verb} ${target} (${signed(s.amount)} ${currency})`;
}

function bookRow(book, name, names, sub = false) {
  const cells = [
    name, book.magic === null ? t("pnl.all_eas") : eaName(book.magic, null, names),
    `${lots(book.buy_volume)} (${book.buy_count})`, `${lots(book.sell_volume)} (${book.sell_count})`,
    net(book.net_volume), lots(book.locked_volume),
  ].map((v, i) => el("td", { class: i > 1 ? "num" : "" }, v));
  cells.push(el("td", { class: `num ${tone(book.floating)}`.trim() }, signed(book.floating)),
    el("td", { class: `num ${tone(book.swap)}`.trim() }, signed(book.swap)));
  const attrs = { class: sub ? "sub" : "", "data-symbol": book.symbol };
  if (book.magic !== null) attrs["data-magic"] = String(book.magic);
  return el("tr", attrs, ...cells);
}

function books(hedge, names, currency) {
  if (!hedge.symbols.length) return [el("p", { class: "muted", id: "pnl-no-positions" }, t("pnl.no_positions"))];
  const head = el("tr", {}, ...[["pnl.symbol", ""], ["pnl.ea", ""], ["pnl.buy", "num"], ["pnl.sell", "num"], ["pnl.net", "num"],
    ["pnl.locked", "num"], ["pnl.floating", "num"], ["pnl.swap", "num"]].map(([key, cls]) => el("th", { class: cls }, t(key))));
  const body = el("tbody");
  for (const total of hedge.symbols) {
    const eas = hedge.books.filter((b) => b.symbol === total.symbol);
    if (eas.length === 1) body.append(bookRow(eas[0], total.symbol, names));
    else body.append(bookRow(total, total.symbol, names), ...eas.map((b) => bookRow(b, "", names, true)));
  }
  const floating = hedge.symbols.reduce((sum, b) => sum + b.floating, 0);
  const swap = hedge.symbols.reduce((sum, b) => sum + b.swap, 0);
  return [
    el("p", { class: "muted" }, fill(t("pnl.hedge_totals"), { f: signed(floating), s: signed(swap), c: currency })),
    el("table", { class: "grid pnl-table", id: "pnl-books" }, el("thead", {}, head), body),
  ];
}

function suggestion(s, index, report, canTrade, done) {
  const currency = report.account.currency;
  const text = el("div", { class: "text" },
    el("span", { class: `sev ${s.severity}`, title: t(`pnl.sev.${s.severity}`) }, t(`pnl.sev.${s.severity}`)),
    el("span", {}, `${sentence(s, report.ea_names)}`),
    ...(facts(s, currency) ? [el("span", { class: "muted" }, ` (${facts(s, currency)})`)] : []));
  const item = el("li", { class: `sugg ${s.severity}`, "data-kind": s.kind, "data-index": String(index),
    "data-tickets": s.tickets.join(",") }, text);
  const order = suggestedOrder(s.action);
  if (canTrade && order) {
    const [route, body] = order;
    const title = route === "modify" ? t("pnl.modify_title") : t("pv.title");
    const button = el("button", { type: "button", class: "act", "data-kind": s.kind }, buttonLabel(s, route, currency, report.ea_names));
    button.addEventListener("click", () => confirmFlow(route, body, title, done));
    item.append(button);
  } else if (canTrade && s.action) {
    item.append(el("span", { class: "muted" }, t("pnl.not_here")));
  }
  return item;
}

/** The hedge section of `report` (a hedge report); `done()` after a suggestion was carried out. */
export function hedgeSection(report, canTrade, done) {
  const hedge = report.hedge;
  const list = hedge.suggestions.length
    ? el("ol", { class: "pnl-sugg", id: "pnl-suggestions" }, ...hedge.suggestions.map((s, i) => suggestion(s, i, report, canTrade, done)))
    : el("p", { class: "muted", id: "pnl-no-suggestions" }, t("pnl.no_suggestions"));
  return el("div", { class: "pnl-hedge-body" },
    el("div", {}, el("h4", {}, t("pnl.books")), ...books(hedge, report.ea_names, report.account.currency)),
    el("div", {}, el("h4", {}, t("pnl.suggestions")), list));
}
