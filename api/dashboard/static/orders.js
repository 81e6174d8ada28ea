// Pending orders: read over REST and again whenever the `trades` channel says an order was placed,
// filled or cancelled; cancelling goes through the same preview and second click as a close.
import { call } from "./api.js";
import { lots, t } from "./i18n.js";
import { el } from "./dom.js";
import { confirmFlow } from "./confirm.js";

const COLUMNS = [
  ["ticket", "pos.ticket"], ["symbol", "pos.symbol"], ["type", "ord.type"], ["volume", "pos.volume"],
  ["price_open", "ord.price"], ["current_price", "pos.price"], ["sl", "pos.sl"], ["tp", "pos.tp"], ["magic", "pos.ea"],
];
const ORDER_EVENTS = new Set(["pending_placed", "pending_filled", "pending_cancelled"]);

export class Orders {
  constructor(root, state) {
    this.state = state;
    this.body = el("div", { id: "orders" });
    root.replaceChildren(this.body);
    this.refresh();
  }

  refresh() {
    call("GET", "/orders/pending").then((orders) => this.draw(orders)).catch(() => {});
  }

  update(channel, data) {
    if (channel === "trades" && ORDER_EVENTS.has(data.kind)) this.refresh();
  }

  draw(orders) {
    if (!orders.length) {
      this.body.replaceChildren(el("p", { class: "muted", id: "ord-none" }, t("ord.none")));
      return;
    }
    const head = el("tr", {}, ...COLUMNS.map(([, label]) => el("th", {}, t(label))), el("th"));
    const rows = orders.map((o) => {
      const cells = [o.ticket, o.symbol, t(`type.${o.type}`), lots(o.volume), o.price_open, o.current_price,
        o.sl || "–", o.tp || "–", o.magic ? String(o.magic) : t("manual")].map((v) => el("td", {}, String(v)));
      const act = el("td");
      if (this.state.me?.can_trade) {
        const button = el("button", { type: "button", class: "cancel", "data-ticket": String(o.ticket) }, t("ord.cancel"));
        button.addEventListener("click", () => confirmFlow("cancel", { ticket: o.ticket }, t("ord.title"), () => this.refresh()));
        act.append(button);
      }
      return el("tr", { "data-ticket": String(o.ticket) }, ...cells, act);
    });
    this.body.replaceChildren(el("table", { class: "grid" }, el("thead", {}, head), el("tbody", {}, ...rows)));
  }
}
