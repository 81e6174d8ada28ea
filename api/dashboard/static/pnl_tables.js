// A report's figures (PnLLine: realized and its parts, floating, trades) and its tables per symbol and
// per EA, as the chat's report shows them (reports/templates/*/report.j2), for the month and for a day.
import { signed, t, words } from "./i18n.js";
import { el } from "./dom.js";

words({
  en: {
    "pnl.realized": "Realized", "pnl.floating": "Floating", "pnl.total": "Total", "pnl.profit": "Profit",
    "pnl.commission": "Commission", "pnl.swap": "Swap", "pnl.fee": "Fees", "pnl.trades": "Trades",
    "pnl.win_rate": "Win rate", "pnl.won_lost": "{w} won · {l} lost", "pnl.by_symbol": "By symbol",
    "pnl.by_ea": "By EA", "pnl.symbol": "Symbol", "pnl.ea": "EA", "pnl.other": "other (account costs)",
    "pnl.no_rows": "No trades and no open positions in this period.",
  },
  zh: {
    "pnl.realized": "已实现", "pnl.floating": "浮动", "pnl.total": "合计", "pnl.profit": "盈利",
    "pnl.commission": "手续费", "pnl.swap": "库存费", "pnl.fee": "其他费用", "pnl.trades": "笔数",
    "pnl.win_rate": "胜率", "pnl.won_lost": "盈 {w} · 亏 {l}", "pnl.by_symbol": "按品种",
    "pnl.by_ea": "按 EA", "pnl.symbol": "品种", "pnl.ea": "EA", "pnl.other": "其他（账户费用）",
    "pnl.no_rows": "这段时间没有成交，也没有持仓。",
  },
});

/** `text` with each `{name}` replaced by `values[name]`. */
export function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** The class that colours a figure: pos, neg, or none for zero. */
export function tone(value) {
  return value > 0 ? "pos" : value < 0 ? "neg" : "";
}

export function pct(value) {
  return value === null || value === undefined ? "–" : `${Math.round(value * 100)}%`;
}

/** An EA as the reports name it: the configured name, else manual (0) or its magic number. */
export function eaName(magic, name, names = {}) {
  const known = name ?? names[magic] ?? names[String(magic)];
  if (known) return known;
  return magic === 0 ? t("manual") : `EA ${magic}`;
}

export function figure(label, value, cls = "", id = "") {
  const attrs = { class: `fig ${cls}`.trim() };
  if (id) attrs["data-fig"] = id;
  return el("div", attrs, el("span", {}, label), el("strong", {}, value));
}

/** The totals of a report: realized and its parts, floating, total, trades and win rate. */
export function figures(line, currency, extra = []) {
  const money = (key) => figure(t(`pnl.${key}`), signed(line[key]), tone(line[key]), key);
  const parts = [money("realized"), money("floating"), money("total")];
  for (const key of ["commission", "swap", "fee"]) if (line[key]) parts.push(money(key));
  parts.push(figure(t("pnl.trades"), `${line.trades} · ${fill(t("pnl.won_lost"), { w: line.wins, l: line.losses })}`, "", "trades"));
  parts.push(figure(t("pnl.win_rate"), pct(line.win_rate), "", "win_rate"));
  const box = el("div", { class: "pnl-figs" }, ...parts, ...extra);
  box.dataset.currency = currency;
  return box;
}

const MONEY = ["profit", "commission", "swap", "fee", "realized", "floating", "total"];

/**
 * A table of PnLLine rows: `rows` are `[name, pnl, key]`; columns as the chat's tables (trades, win rate,
 * realized with its parts, floating, total). A money column that is zero on every row is left out.
 */
export function pnlTable(id, nameLabel, rows) {
  if (!rows.length) return el("p", { class: "muted" }, t("pnl.no_rows"));
  const shown = MONEY.filter((key) => ["realized", "floating", "total"].includes(key) || rows.some(([, p]) => p[key]));
  const head = el("tr", {}, el("th", {}, nameLabel), el("th", { class: "num" }, t("pnl.trades")),
    el("th", { class: "num" }, t("pnl.win_rate")), ...shown.map((key) => el("th", { class: "num" }, t(`pnl.${key}`))));
  const body = rows.map(([name, p, key]) => el("tr", { "data-key": String(key) },
    el("td", {}, name), el("td", { class: "num" }, String(p.trades)), el("td", { class: "num" }, pct(p.win_rate)),
    ...shown.map((k) => el("td", { class: `num ${tone(p[k])}`.trim() }, signed(p[k])))));
  return el("table", { class: "grid pnl-table", id }, el("thead", {}, head), el("tbody", {}, ...body));
}

/** The by-symbol and by-EA tables of a report, side by side. */
export function tables(report, prefix) {
  const symbols = report.by_symbol.map((r) => [r.symbol || t("pnl.other"), r.pnl, r.symbol]);
  const eas = report.by_strategy.map((r) => [eaName(r.magic, r.name, report.ea_names), r.pnl, r.magic]);
  return el("div", { class: "pnl-tables" },
    el("section", {}, el("h4", {}, t("pnl.by_symbol")), pnlTable(`${prefix}-symbols`, t("pnl.symbol"), symbols)),
    el("section", {}, el("h4", {}, t("pnl.by_ea")), pnlTable(`${prefix}-eas`, t("pnl.ea"), eas)));
}
