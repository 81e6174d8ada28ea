// Positions: grouped by symbol or by EA with net and locked lots, sorted and filtered, live from the
// WebSocket's `positions` channel. Closing goes through the same preview and confirmation as REST and
// chat (confirm.js).
import { call } from "./api.js";
import { signed, t } from "./i18n.js";
import { el } from "./dom.js";
import { confirmFlow } from "./confirm.js";

const COLUMNS = [
  ["ticket", "pos.ticket"], ["symbol", "pos.symbol"], ["type", "pos.side"], ["volume", "pos.volume"],
  ["price_open", "pos.open"], ["current_price", "pos.price"], ["sl", "pos.sl"], ["tp", "pos.tp"],
  ["profit", "pos.profit"], ["magic", "pos.ea"],
];

function lots(value) { return Number(value).toFixed(2); }

export function groupsOf(positions, by) {
  const groups = new Map();
  for (const p of positions) {
    const key = by === "ea" ? String(p.magic) : p.symbol;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(p);
  }
  return [...groups.entries()].map(([key, items]) => {
    const buy = items.filter((p) => p.type === "buy").reduce((s, p) => s + p.volume, 0);
    const sell = items.filter((p) => p.type === "sell").reduce((s, p) => s + p.volume, 0);
    const profit = items.reduce((s, p) => s + p.profit + (p.swap || 0), 0);
    return { key, items, net: buy - sell, locked: Math.min(buy, sell), profit };
  });
}

export class Positions {
  constructor(root, state) {
    this.state = state;
    this.by = "symbol";
    this.sort = { key: "ticket", down: false };
    this.filter = "";
    this.names = {};
    this.filterBox = el("input", { type: "search", id: "pos-filter", placeholder: t("pos.filter") });
    this.filterBox.addEventListener("input", () => { this.filter = this.filterBox.value.trim().toLowerCase(); this.draw(); });
    const bySymbol = el("button", { type: "button", id: "by-symbol" }, t("pos.by_symbol"));
    const byEa = el("button", { type: "button", id: "by-ea" }, t("pos.by_ea"));
    bySymbol.addEventListener("click", () => { this.by = "symbol"; this.draw(); });
    byEa.addEventListener("click", () => { this.by = "ea"; this.draw(); });
    this.summary = el("p", { id: "pos-summary", class: "muted" });
    this.body = el("div", { id: "positions" });
    root.replaceChildren(el("div", { class: "tools" }, this.filterBox, bySymbol, byEa, this.summary), this.body);
    this.positions = state.positions;
    if (this.positions) this.draw();
    else call("GET", "/positions").then((found) => { this.positions ??= found; this.draw(); }).catch(() => {});
  }

  /** One REST read after the user's own action: the list shows it at once, before the live update. */
  refresh() {
    call("GET", "/positions").then((found) => this.update("positions", found)).catch(() => {});
  }

  update(channel, data) {
    if (channel !== "positions") return;
    const started = performance.now();
    this.positions = data;
    this.draw();
    document.body.dataset.lastUpdateMs = (performance.now() - started).toFixed(1);
  }

  visible() {
    const f = this.filter;
    const rows = (this.positions || []).filter((p) => !f || p.symbol.toLowerCase().includes(f)
      || String(p.ticket).includes(f) || String(p.magic).includes(f) || (p.comment || "").toLowerCase().includes(f));
    const { key, down } = this.sort;
    rows.sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0) * (down ? -1 : 1));
    return rows;
  }

  draw() {
    const rows = this.visible();
    this.summary.textContent = `${rows.length} ${t("pos.count")}`;
    if (!rows.length) {
      this.body.replaceChildren(el("p", { class: "muted", id: "pos-none" }, t("pos.none")));
      return;
    }
    const head = el("tr", {}, ...COLUMNS.map(([key, label]) => {
      const th = el("th", { "data-key": key }, t(label) + (this.sort.key === key ? (this.sort.down ? " ▼" : " ▲") : ""));
      th.addEventListener("click", () => {
        this.sort = { key, down: this.sort.key === key ? !this.sort.down : false };
        this.draw();
      });
      return th;
    }), el("th"));
    const table = el("table", { class: "grid" }, el("thead", {}, head));
    const trade = this.state.me?.can_trade;
    for (const group of groupsOf(rows, this.by)) {
      const label = this.by === "ea" ? (group.key === "0" ? t("manual") : `EA ${group.key}`) : group.key;
      const tbody = el("tbody", { "data-group": group.key });
      tbody.append(el("tr", { class: "group" }, el("td", { colSpan: COLUMNS.length + 1 },
        `${label} · ${group.items.length} · ${t("pos.net")} ${lots(group.net)} · ${t("pos.locked")} ${lots(group.locked)} · ${signed(group.profit)}`)));
      for (const p of group.items) {
        const cells = [
          p.ticket, p.symbol, t(p.type), lots(p.volume), p.price_open, p.current_price, p.sl || "–", p.tp || "–",
        ].map((v) => el("td", {}, String(v)));
        cells.push(el("td", { class: p.profit < 0 ? "neg" : "pos" }, signed(p.profit)));
        cells.push(el("td", {}, p.magic ? String(p.magic) : t("manual")));
        const act = el("td");
        if (trade) {
          const button = el("button", { type: "button", class: "close", "data-ticket": String(p.ticket) }, t("pos.close"));
          button.addEventListener("click", () => confirmFlow("close", { ticket: p.ticket }, t("pv.title"), () => this.refresh()));
          act.append(button);
        }
        tbody.append(el("tr", { "data-ticket": String(p.ticket) }, ...cells, act));
      }
      table.append(tbody);
    }
    this.body.replaceChildren(table);
  }
}
