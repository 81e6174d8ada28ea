// Placeholder until the view is built (issue 18).
import { el } from "./dom.js";

export class Pnl {
  constructor(root) {
    root.replaceChildren(el("p", { class: "muted", id: "pnl-soon" }, "…"));
  }
}
