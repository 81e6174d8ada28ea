// The one confirmation flow of the dashboard, as in chat and REST: the core's preview in a modal, and
// nothing sent until the second click, which sends that preview as `expected_preview` (the core refuses
// if the plan moved meanwhile) under a fresh Idempotency-Key.
import { call, newKey } from "./api.js";
import { signed, t } from "./i18n.js";
import { el } from "./dom.js";

export async function confirmFlow(action, body, title, done) {
  const modal = document.getElementById("modal");
  let preview;
  try {
    preview = await call("POST", "/order/preview", { body: { action, ...body } });
  } catch (problem) {
    toast(problem.message, true);
    return;
  }
  const confirm = el("button", { type: "button", id: "pv-confirm", class: "danger" }, t("pv.confirm"));
  const cancel = el("button", { type: "button", id: "pv-cancel" }, t("pv.cancel"));
  const legs = preview.legs.map((leg) => el("li", {},
    `#${leg.ticket ?? "-"} ${leg.symbol} ${leg.side ? t(leg.side) : ""} ${Number(leg.volume).toFixed(2)}`
    + (leg.price ? ` @ ${leg.price}` : "") + (leg.estimated_profit ? ` (${signed(leg.estimated_profit)})` : "")));
  const parts = [el("h3", {}, `${title} ${preview.symbol || ""}`), el("ul", {}, ...legs)];
  if (action === "close") {
    parts.push(el("p", {}, `${t("pv.estimated")}: ${signed(preview.estimated_profit)} ${preview.currency || ""}`));
  }
  modal.replaceChildren(el("div", { class: "dialog", id: "preview" }, ...parts, el("div", { class: "actions" }, cancel, confirm)));
  modal.hidden = false;
  const shut = () => { modal.hidden = true; modal.replaceChildren(); };  // no stale dialog left behind
  cancel.addEventListener("click", shut);
  confirm.addEventListener("click", async () => {
    confirm.disabled = true;
    confirm.textContent = t("pv.busy");
    try {
      const result = await call("POST", `/order/${action}`, { key: newKey(), body: { ...body, expected_preview: preview } });
      toast(`${result.ok ? t("pv.done") : t("pv.failed")} #${body.ticket ?? ""}`, !result.ok);
      done();
    } catch (problem) {
      toast(problem.message, true);
    }
    shut();
  });
}

export function toast(text, bad = false) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.className = "toast" + (bad ? " bad" : "");
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
}
