// Overview: the account at a glance, live from the WebSocket's `account` channel (no polling).
import { call } from "./api.js";
import { money, signed, t } from "./i18n.js";
import { el } from "./dom.js";

const FIELDS = [
  ["balance", "ov.balance"], ["equity", "ov.equity"], ["margin", "ov.margin"], ["margin_free", "ov.free"],
  ["margin_level", "ov.level"], ["profit", "ov.floating"], ["today", "ov.today"],
];

export class Overview {
  constructor(root, state) {
    this.state = state;
    this.cells = {};
    const grid = el("section", { class: "cards", id: "overview" });
    for (const [key, label] of FIELDS) {
      this.cells[key] = el("strong", { id: `ov-${key}` }, "–");
      grid.append(el("div", { class: "card" }, el("span", {}, t(label)), this.cells[key]));
    }
    this.title = el("h2", { id: "ov-account" }, t("ov.account"));
    root.replaceChildren(this.title, grid);
    call("GET", "/account").then((account) => this.show(account)).catch(() => {});
    call("GET", "/pnl?period=today").then((pnl) => this.today(pnl)).catch(() => {});
    if (state.account) this.update("account", state.account);
  }

  show(account) {
    this.currency = account.currency;
    this.title.textContent = `${t("ov.account")} ${account.login} · ${account.server} · ${account.currency}`;
    this.update("account", account);
  }

  today(pnl) {
    const realized = pnl.total?.realized ?? 0;
    this.cells.today.textContent = signed(realized);
    this.cells.today.className = realized < 0 ? "neg" : realized > 0 ? "pos" : "";
  }

  update(channel, data) {
    if (channel === "trades" || (channel === "positions" && this.cells)) {
      call("GET", "/pnl?period=today").then((pnl) => this.today(pnl)).catch(() => {});
    }
    if (channel !== "account") return;
    for (const key of ["balance", "equity", "margin", "margin_free"]) {
      if (data[key] !== undefined) this.cells[key].textContent = money(data[key], this.currency);
    }
    if (data.margin_level !== undefined) {
      this.cells.margin_level.textContent = data.margin ? `${Number(data.margin_level).toFixed(0)}%` : "–";
    }
    if (data.profit !== undefined) {
      this.cells.profit.textContent = signed(data.profit);
      this.cells.profit.className = data.profit < 0 ? "neg" : data.profit > 0 ? "pos" : "";
    }
  }
}
