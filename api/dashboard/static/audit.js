// Placeholder until the view is built (issue 18).
import { el } from "./dom.js";

export class Audit {
  constructor(root) {
    root.replaceChildren(el("p", { class: "muted", id: "audit-soon" }, "…"));
  }
}
