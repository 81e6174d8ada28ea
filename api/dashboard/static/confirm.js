// The one confirmation flow of the dashboard, as in chat and REST: the core's preview in a modal, and
// nothing sent until the second click, which sends that preview as `expected_preview` (the core refuses
// if the plan moved meanwhile) under a fresh Idempotency-Key.
import { call, newKey } from "./api.js";
import { lots, signed, t } from "./i18n.js";
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
  const legs = preview.legs.map((leg) => el("li", {}, describe(action, leg)));
  const parts = [el("h3", {}, `${title} ${preview.symbol || ""}`), el("ul", {}, ...legs)];
  if (action === "close") {
    parts.push(el("p", {}, `${t("pv.estimated")}: ${signed(preview.estimated_profit)} ${preview.currency || ""}`));
  }
  if (preview.warnings?.length) parts.push(el("ul", { class: "warn" }, ...preview.warnings.map((w) => el("li", {}, w))));
  modal.replaceChildren(el("div", { class: "dialog", id: "preview" }, ...parts, el("div", { class: "actions" }, cancel, confirm)));
  modal.hidden = false;
  const shut = () => { modal.hidden = true; modal.replaceChildren(); };  // no stale dialog left behind
  cancel.addEventListener("click", shut);
  confirm.addEventListener("click", async () => {
    confirm.disabled = true;
    confirm.textContent = t("pv.busy");
    try {
      const result = await call("POST", `/order/${action}`, { key: newKey(), body: { ...body, expected_preview: preview } });
      const tickets = body.ticket ? [body.ticket] : preview.legs.map((leg) => leg.ticket).filter(Boolean);
      toast(`${result.ok ? t(`pv.done.${action}`) : t("pv.failed")} #${tickets.join(", #")}`, !result.ok);
      done();
    } catch (problem) {
      toast(problem.message, true);
    }
    shut();
  });
}

/** One leg as the trader reads it: what, how much, at what price; for a change, the new SL and TP. */
function describe(action, leg) {
  let text = `#${leg.ticket ?? "-"} ${leg.symbol} ${leg.side ? t(leg.side) : ""} ${lots(leg.volume)}`;
  if (action === "modify") {
    text += ` · ${t("pos.sl")} ${leg.sl || "–"} · ${t("pos.tp")} ${leg.tp || "–"}`;
  } else {
    if (leg.price) text += ` @ ${leg.price}`;
    if (leg.estimated_profit) text += ` (${signed(leg.estimated_profit)})`;
  }
  return text;
}

export function toast(text, bad = false) {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.className = "toast" + (bad ? " bad" : "");
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 4000);
}
