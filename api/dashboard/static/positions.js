// Positions: grouped by symbol or by EA (named by `reports.ea_names`) with net and locked lots, sorted and
// filtered. The list comes from the WebSocket's `positions` channel; prices and profit move with the
// `ticks` of the symbols shown (live.js), cell by cell. Close, partial close and SL/TP changes go through
// the same preview and confirmation as REST and chat (confirm.js, position_edit.js).
import { call } from "./api.js";
import { lots, signed, t } from "./i18n.js";
import { el } from "./dom.js";
import { confirmFlow } from "./confirm.js";
import { editPosition } from "./position_edit.js";
import { LiveProfit } from "./live.js";
import { lap } from "./timing.js";

const COLUMNS = [
  ["ticket", "pos.ticket"], ["symbol", "pos.symbol"], ["type", "pos.side"], ["volume", "pos.volume"],
  ["price_open", "pos.open"], ["current_price", "pos.price"], ["sl", "pos.sl"], ["tp", "pos.tp"],
  ["profit", "pos.profit"], ["magic", "pos.ea"],
];

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
    return { key, items, net: buy - sell, locked: Math.min(buy, sell) };
  });
}

/** What the dashboard calls an EA: its configured name, or its magic number; magic 0 is manual trading. */
export function eaLabel(magic, names) {
  if (!magic) return t("manual");
  return names[magic] ? `${names[magic]} (${magic})` : `EA ${magic}`;
}

export class Positions {
  constructor(root, state) {
    this.state = state;
    this.by = "symbol";
    this.sort = { key: "ticket", down: false };
    this.filter = "";
    this.names = {};
    this.live = new LiveProfit((symbol) => this.moved(symbol));
    this.filterBox = el("input", { type: "search", id: "pos-filter", placeholder: t("pos.filter") });
    this.filterBox.addEventListener("input", () => { this.filter = this.filterBox.value.trim().toLowerCase(); this.draw(); });
    const bySymbol = el("button", { type: "button", id: "by-symbol" }, t("pos.by_symbol"));
    const byEa = el("button", { type: "button", id: "by-ea" }, t("pos.by_ea"));
    bySymbol.addEventListener("click", () => { this.by = "symbol"; this.draw(); });
    byEa.addEventListener("click", () => { this.by = "ea"; this.draw(); });
    this.summary = el("p", { id: "pos-summary", class: "muted" });
    this.body = el("div", { id: "positions" });
    root.replaceChildren(el("div", { class: "tools" }, this.filterBox, bySymbol, byEa, this.summary), this.body);
    this.built = new Map();  // ticket -> {key, tr, cells}: rows reused while what they show is unchanged
    call("GET", "/eas").then((eas) => {
      this.names = Object.fromEntries(eas.map((ea) => [ea.magic, ea.name]));
      this.built.clear();
      this.table = null;
      if (this.positions) this.draw();
    }).catch(() => {});
    if (state.positions) this.show(state.positions);
    else call("GET", "/positions").then((found) => { if (!this.positions) this.show(found); }).catch(() => {});
  }

  close() { this.closed = true; }

  /** One REST read after the user's own action: the list shows it at once, before the live update. */
  refresh() {
    call("GET", "/positions").then((found) => this.update("positions", found)).catch(() => {});
  }

  update(channel, data) {
    if (channel === "ticks") { this.live.tick(data); return; }
    if (channel !== "positions") return;
    const started = performance.now();
    this.show(data);
    document.body.dataset.lastUpdateMs = lap("positions-list", started).toFixed(1);
  }

  show(positions) {
    if (this.closed) return;
    this.positions = positions;
    this.live.track(positions);
    this.state.link?.ticks(this.live.symbols());
    this.draw();
  }

  visible() {
    const f = this.filter;
    const rows = (this.positions || []).filter((p) => !f || p.symbol.toLowerCase().includes(f)
      || String(p.ticket).includes(f) || String(p.magic).includes(f) || (p.comment || "").toLowerCase().includes(f)
      || (this.names[p.magic] || "").toLowerCase().includes(f));
    const { key, down } = this.sort;
    rows.sort((a, b) => (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0) * (down ? -1 : 1));
    return rows;
  }

  draw() {
    const started = performance.now();
    this.render();
    lap("positions-draw", started);
  }

  render() {
    const rows = this.visible();
    this.cells = new Map();  // ticket -> its price and profit cells, for the ticks
    this.heads = [];
    this.summary.textContent = `${rows.length} ${t("pos.count")}`;
    if (!rows.length) {
      this.table = null;
      this.body.replaceChildren(el("p", { class: "muted", id: "pos-none" }, t("pos.none")));
      return;
    }
    // A new list mostly moves one row: the table and each group's body are kept, and only a group whose
    // rows changed is refilled (a thousand positions otherwise cost a whole table's layout per change).
    const shape = `${this.by}|${this.sort.key}|${this.sort.down}`;
    if (!this.table || this.shape !== shape) {
      this.table = el("table", { class: "grid" }, el("thead", {}, this.header()));
      this.bodies = new Map();
      this.shape = shape;
    }
    const order = [];
    for (const group of groupsOf(rows, this.by)) {
      const label = this.by === "ea" ? eaLabel(Number(group.key), this.names) : group.key;
      let body = this.bodies.get(group.key);
      if (!body) {
        const cell = el("td", { colSpan: COLUMNS.length + 1 });
        body = { node: el("tbody", { "data-group": group.key }, el("tr", { class: "group" }, cell)), cell };
        this.bodies.set(group.key, body);
      }
      this.heads.push({ cell: body.cell, group, label });
      const trs = group.items.map((p) => this.row(p));
      const now = body.node.rows;
      if (now.length - 1 !== trs.length || trs.some((tr, i) => now[i + 1] !== tr)) {
        body.node.replaceChildren(now[0], ...trs);
      }
      order.push(body.node);
    }
    for (const [key, body] of this.bodies) if (!order.includes(body.node)) this.bodies.delete(key);
    const bodies = this.table.tBodies;
    if (bodies.length !== order.length || order.some((node, i) => bodies[i] !== node)) {
      this.table.replaceChildren(this.table.tHead, ...order);
    }
    if (this.body.firstChild !== this.table) this.body.replaceChildren(this.table);
    this.paintHeads();
    for (const ticket of this.built.keys()) if (!this.cells.has(ticket)) this.built.delete(ticket);
  }

  header() {
    return el("tr", {}, ...COLUMNS.map(([key, label]) => {
      const th = el("th", { "data-key": key }, t(label) + (this.sort.key === key ? (this.sort.down ? " ▼" : " ▲") : ""));
      th.addEventListener("click", () => {
        this.sort = { key, down: this.sort.key === key ? !this.sort.down : false };
        this.draw();
      });
      return th;
    }), el("th"));
  }

  /** The row of `p`: the one built before when its fixed cells would read the same, else a new one. */
  row(p) {
    const key = [p.symbol, p.type, p.volume, p.price_open, p.sl, p.tp, p.magic].join("|");
    const old = this.built.get(p.ticket);
    if (old?.key === key) {
      old.cells.p = p;
      this.cells.set(p.ticket, old.cells);
      this.paint(p);
      return old.tr;
    }
    const tr = this.build(p);
    this.built.set(p.ticket, { key, tr, cells: this.cells.get(p.ticket) });
    return tr;
  }

  build(p) {
    const price = el("td", { class: "price" }, String(this.live.price(p)));
    const profit = el("td", { class: "profit" });
    this.cells.set(p.ticket, { price, profit, p });
    this.paint(p);
    const cells = [p.ticket, p.symbol, t(p.type), lots(p.volume), p.price_open].map((v) => el("td", {}, String(v)));
    cells.push(price, ...[p.sl || "–", p.tp || "–"].map((v) => el("td", {}, String(v))), profit,
      el("td", { class: "ea" }, eaLabel(p.magic, this.names)));
    const act = el("td", { class: "act" });
    if (this.state.me?.can_trade) {
      const close = el("button", { type: "button", class: "close", "data-ticket": String(p.ticket) }, t("pos.close"));
      close.addEventListener("click", () => confirmFlow("close", { ticket: p.ticket }, t("pv.title"), () => this.refresh()));
      const edit = el("button", { type: "button", class: "edit", "data-ticket": String(p.ticket) }, t("pos.edit"));
      edit.addEventListener("click", () => editPosition(p, () => this.refresh()));
      act.append(edit, close);
    }
    return el("tr", { "data-ticket": String(p.ticket) }, ...cells, act);
  }

  paint(p) {
    const cells = this.cells.get(p.ticket);
    const value = this.live.profit(p);
    const price = String(this.live.price(p));
    if (cells.price.textContent !== price) cells.price.textContent = price;  // untouched cells: no relayout
    const profit = signed(value);
    if (cells.profit.textContent !== profit) {
      cells.profit.textContent = profit;
      cells.profit.className = "profit " + (value < 0 ? "neg" : "pos");
    }
  }

  paintHeads() {
    for (const { cell, group, label } of this.heads) {
      const profit = group.items.reduce((s, p) => s + this.live.profit(p) + (p.swap || 0), 0);
      cell.textContent = `${label} · ${group.items.length} · ${t("pos.net")} ${lots(group.net)} · `
        + `${t("pos.locked")} ${lots(group.locked)} · ${signed(profit)}`;
    }
  }

  /** A tick moved `symbol`: repaint its rows' price and profit and the group totals, nothing else. */
  moved(symbol) {
    if (!this.cells) return;
    const started = performance.now();
    for (const { p } of this.cells.values()) if (p.symbol === symbol) this.paint(p);
    this.paintHeads();
    document.body.dataset.lastTickMs = lap("positions-tick", started).toFixed(1);
  }
}
