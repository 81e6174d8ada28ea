// The month's equity and balance curve (report.equity: points, gaps, cash) as SVG built element by
// element: equity as a line, balance as steps, a grey band where the service recorded nothing (the lines
// break there rather than cross it), ▲ deposits and ▼ withdrawals on the balance line.
import { lang, money, signed, t, words } from "./i18n.js";
import { el } from "./dom.js";

words({
  en: {
    "pnl.balance": "Balance", "pnl.equity": "Equity", "pnl.gap": "no data (service not running)",
    "pnl.deposit": "Deposit", "pnl.withdrawal": "Withdrawal",
    "pnl.no_curve": "No equity curve for this month: the service records the account only while it runs.",
  },
  zh: {
    "pnl.balance": "余额", "pnl.equity": "净值", "pnl.gap": "无数据（服务未运行）",
    "pnl.deposit": "入金", "pnl.withdrawal": "出金",
    "pnl.no_curve": "本月没有净值曲线：服务只在运行时记录账户。",
  },
});

const NS = "http://www.w3.org/2000/svg";
const W = 640;
const H = 260;
const PAD = { left: 70, right: 14, top: 12, bottom: 26 };
const DAY = 86400000;

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

function titled(node, text) {
  node.append(svg("title", {}, text));
  return node;
}

/** The points split where a gap lies between two of them: each run is drawn as one unbroken line. */
export function runs(points, gaps) {
  const out = [];
  let run = [];
  for (const point of points) {
    const prev = run[run.length - 1];
    if (prev && gaps.some((g) => g.start < point.t && g.end > prev.t)) {
      out.push(run);
      run = [];
    }
    run.push(point);
  }
  if (run.length) out.push(run);
  return out;
}

function scale(t0, t1, low, high) {
  const width = W - PAD.left - PAD.right;
  const height = H - PAD.top - PAD.bottom;
  return {
    x: (time) => PAD.left + ((Math.min(Math.max(time, t0), t1) - t0) / (t1 - t0)) * width,
    y: (value) => PAD.top + ((high - value) / (high - low)) * height,
  };
}

/** Round values for the money axis: about four steps of 1, 2, 2.5 or 5 times a power of ten. */
export function ticks(low, high) {
  const raw = (high - low) / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((m) => m >= raw);
  const out = [];
  for (let v = Math.ceil(low / step) * step; v <= high; v += step) out.push(v);
  return { values: out, digits: step % 1 ? 2 : 0 };
}

function axes(s, t0, t1, low, high) {
  const group = svg("g", { class: "axes" });
  const { values, digits } = ticks(low, high);
  const format = new Intl.NumberFormat(lang === "zh" ? "zh-CN" : "en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  for (const value of values) {
    const y = s.y(value);
    group.append(svg("line", { class: "grid", x1: PAD.left, x2: W - PAD.right, y1: y, y2: y }),
      svg("text", { x: PAD.left - 6, y: y + 4, "text-anchor": "end" }, format.format(value)));
  }
  const days = Math.round((t1 - t0) / DAY);
  for (let d = 1; d <= days; d += 1) {
    if (d !== 1 && d % 5 !== 0) continue;
    const x = s.x(t0 + (d - 1) * DAY);
    group.append(svg("line", { class: "tick", x1: x, x2: x, y1: H - PAD.bottom, y2: H - PAD.bottom + 4 }),
      svg("text", { x, y: H - 8, "text-anchor": "middle" }, String(d)));
  }
  return group;
}

function paths(parts, s, key, steps) {
  return parts.map((run) => {
    if (run.length === 1) {  // one snapshot (a service just started): a dot, since a path of one point is invisible
      return svg("circle", { class: `dot ${key}`, cx: s.x(run[0].t).toFixed(1), cy: s.y(run[0][key]).toFixed(1), r: "3" });
    }
    let d = `M${s.x(run[0].t).toFixed(1)},${s.y(run[0][key]).toFixed(1)}`;
    for (const p of run.slice(1)) {
      const x = s.x(p.t).toFixed(1);
      const y = s.y(p[key]).toFixed(1);
      d += steps ? ` H${x} V${y}` : ` L${x},${y}`;
    }
    return svg("path", { class: `line ${key}`, d });
  });
}

function marker(s, op, points) {
  const at = Date.parse(op.time);
  const after = points.find((p) => p.t >= at) ?? points[points.length - 1];
  const x = s.x(at);
  const y = s.y(after.balance);
  const up = op.amount > 0;
  const shape = up ? `${x},${y - 11} ${x - 5},${y - 3} ${x + 5},${y - 3}` : `${x},${y + 11} ${x - 5},${y + 3} ${x + 5},${y + 3}`;
  const label = `${t(up ? "pnl.deposit" : "pnl.withdrawal")} ${signed(op.amount)} · ${op.time.slice(0, 16).replace("T", " ")}`;
  return titled(svg("polygon", { class: `cash ${up ? "in" : "out"}`, points: shape }), label);
}

/** The curve of a monthly report, or a sentence when it has none. */
export function curve(report) {
  const equity = report.equity;
  if (!equity?.points?.length) return el("p", { class: "muted", id: "pnl-no-curve" }, t("pnl.no_curve"));
  const t0 = Date.parse(report.start);
  const t1 = Date.parse(report.end);
  const points = equity.points.map((p) => ({ t: Date.parse(p.time), balance: p.balance, equity: p.equity }));
  const gaps = (equity.gaps || []).map((g) => ({ start: Date.parse(g.start), end: Date.parse(g.end) }));
  const values = points.flatMap((p) => [p.balance, p.equity]);
  let low = Math.min(...values);
  let high = Math.max(...values);
  const pad = Math.max((high - low) * 0.08, Math.abs(high) * 0.001, 1);
  low -= pad;
  high += pad;
  const s = scale(t0, t1, low, high);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "pnl-svg", id: "pnl-svg", role: "img" });
  chart.append(titled(svg("g"), `${t("pnl.equity")} / ${t("pnl.balance")}`));
  for (const g of gaps) {
    const x0 = s.x(g.start);
    const x1 = s.x(g.end);
    if (x1 - x0 < 0.5) continue;
    chart.append(titled(svg("rect", { class: "gap", x: x0, y: PAD.top, width: x1 - x0, height: H - PAD.top - PAD.bottom }), t("pnl.gap")));
  }
  chart.append(axes(s, t0, t1, low, high));
  const parts = runs(points, gaps);
  chart.append(...paths(parts, s, "balance", true), ...paths(parts, s, "equity", false));
  for (const op of equity.cash || []) chart.append(marker(s, op, points));
  const last = points[points.length - 1];
  const currency = report.account.currency;
  const legend = el("div", { class: "legend" },
    el("span", { class: "key equity" }, `${t("pnl.equity")} ${money(last.equity, currency)}`),
    el("span", { class: "key balance" }, `${t("pnl.balance")} ${money(last.balance, currency)}`));
  if (gaps.length) legend.append(el("span", { class: "key gap" }, t("pnl.gap")));
  chart.dataset.runs = String(parts.length);
  return el("div", { class: "pnl-curve-box" }, chart, legend);
}
