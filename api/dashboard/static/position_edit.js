// Changing one position: new SL/TP, or closing part of it. The dialog only gathers the numbers; what is
// sent is the core's preview, confirmed by a second click (confirm.js), exactly as a full close.
import { lots, t, words } from "./i18n.js";
import { el } from "./dom.js";
import { confirmFlow, toast } from "./confirm.js";

words({
  en: {
    "edit.title": "Position", "edit.sltp": "Stop loss and take profit", "edit.sl": "SL (0 removes)",
    "edit.tp": "TP (0 removes)", "edit.modify": "Preview the change", "edit.partial": "Close part",
    "edit.volume": "Lots to close", "edit.close": "Preview the close", "edit.cancel": "Cancel",
    "edit.nothing": "Give a new SL or TP.", "edit.bad_volume": "Lots must be above 0 and at most the position's.",
    "pv.modify": "Confirm: change SL/TP", "pv.partial": "Confirm: partial close",
  },
  zh: {
    "edit.title": "持仓", "edit.sltp": "止损和止盈", "edit.sl": "止损（0 为取消）", "edit.tp": "止盈（0 为取消）",
    "edit.modify": "预览修改", "edit.partial": "部分平仓", "edit.volume": "平仓手数", "edit.close": "预览平仓",
    "edit.cancel": "取消", "edit.nothing": "请填写新的止损或止盈。", "edit.bad_volume": "手数须大于 0 且不超过持仓手数。",
    "pv.modify": "请确认：修改止损止盈", "pv.partial": "请确认：部分平仓",
  },
});

function number(id, value, attrs = {}) {
  return el("input", { type: "number", id, step: "any", min: "0", value: value ? String(value) : "", ...attrs });
}

/** Open the dialog for position `p`; `done()` runs after a confirmed change. */
export function editPosition(p, done) {
  const modal = document.getElementById("modal");
  const sl = number("edit-sl", p.sl);
  const tp = number("edit-tp", p.tp);
  const volume = number("edit-volume", "", { step: "0.01", max: String(p.volume), placeholder: lots(p.volume) });
  const modify = el("button", { type: "button", id: "edit-modify" }, t("edit.modify"));
  const partial = el("button", { type: "button", id: "edit-partial", class: "danger" }, t("edit.close"));
  const cancel = el("button", { type: "button", id: "edit-cancel" }, t("edit.cancel"));
  const shut = () => { modal.hidden = true; modal.replaceChildren(); };
  modify.addEventListener("click", () => {
    const body = { ticket: p.ticket };
    // Only what changed is sent: an untouched field stays as it is on the server.
    if (sl.value !== "" && Number(sl.value) !== (p.sl || 0)) body.sl = Number(sl.value);
    if (tp.value !== "" && Number(tp.value) !== (p.tp || 0)) body.tp = Number(tp.value);
    if (sl.value === "" && p.sl) body.sl = 0;
    if (tp.value === "" && p.tp) body.tp = 0;
    if (body.sl === undefined && body.tp === undefined) { toast(t("edit.nothing"), true); return; }
    confirmFlow("modify", body, t("pv.modify"), done);
  });
  partial.addEventListener("click", () => {
    const lots = Number(volume.value);
    if (!(lots > 0) || lots > p.volume) { toast(t("edit.bad_volume"), true); return; }
    confirmFlow("close", { ticket: p.ticket, volume: lots }, t("pv.partial"), done);
  });
  cancel.addEventListener("click", shut);
  const label = (input, key) => el("label", { htmlFor: input.id }, t(key), input);
  modal.replaceChildren(el("div", { class: "dialog", id: "edit" },
    el("h3", {}, `${t("edit.title")} #${p.ticket} ${p.symbol} ${t(p.type)} ${lots(p.volume)}`),
    el("fieldset", {}, el("legend", {}, t("edit.sltp")), label(sl, "edit.sl"), label(tp, "edit.tp"), modify),
    el("fieldset", {}, el("legend", {}, t("edit.partial")), label(volume, "edit.volume"), partial),
    el("div", { class: "actions" }, cancel)));
  modal.hidden = false;
  sl.focus();
}
