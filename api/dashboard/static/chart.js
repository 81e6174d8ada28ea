// Placeholder until the view is built (issue 18).
import { el } from "./dom.js";

export class Chart {
  constructor(root) {
    root.replaceChildren(el("p", { class: "muted", id: "chart-soon" }, "…"));
  }
}
