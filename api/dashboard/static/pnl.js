// P&L: the same numbers as the chat's reports, from the REST report routes. The month as a calendar coloured
// by each day's realized P&L (a click shows that day's report), the month's equity and balance curve, its
// tables per symbol and per EA, and the hedge report with its suggestions (one-click preview, then confirm).
// A closing trade on the `trades` channel moves the figures: the month, the chosen day and the hedge are
// read again (once for a burst).
import { call } from "./api.js";
import { signed, t, words } from "./i18n.js";
import { el } from "./dom.js";
import { calendar, select } from "./pnl_calendar.js";
import { curve } from "./pnl_curve.js";
import { hedgeSection } from "./pnl_hedge.js";
import { figure, figures, fill, tables } from "./pnl_tables.js";

words({
  en: {
    "pnl.prev": "‹", "pnl.next": "›", "pnl.prev_title": "Previous month", "pnl.next_title": "Next month",
    "pnl.month_pick": "Month", "pnl.month": "Monthly report", "pnl.calendar": "Realized P&L by day",
    "pnl.curve": "Equity and balance", "pnl.day": "Daily report", "pnl.hide": "Close", "pnl.best": "Best day",
    "pnl.worst": "Worst day", "pnl.loading": "Loading…", "pnl.pick_day": "Click a day for its report.",
    "pnl.month_tables": "{month} by symbol and by EA",
  },
  zh: {
    "pnl.prev": "‹", "pnl.next": "›", "pnl.prev_title": "上个月", "pnl.next_title": "下个月",
    "pnl.month_pick": "月份", "pnl.month": "月报", "pnl.calendar": "每日已实现盈亏",
    "pnl.curve": "净值与余额", "pnl.day": "日报", "pnl.hide": "关闭", "pnl.best": "最好的一天",
    "pnl.worst": "最差的一天", "pnl.loading": "加载中…", "pnl.pick_day": "点击某一天查看当日报告。",
    "pnl.month_tables": "{month} 按品种和 EA",
  },
});

// Trade events after which realized P&L has moved; any position event changes the hedge books.
const CLOSING = new Set(["position_closed", "position_reduced", "stop_loss_hit", "take_profit_hit", "stop_out"]);
const POSITION = new Set([...CLOSING, "position_opened", "position_modified", "pending_filled"]);

function shiftMonth(month, by) {
  const [year, number] = month.split("-").map(Number);
  const d = new Date(Date.UTC(year, number - 1 + by, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

function section(id, title, ...children) {
  return el("section", { class: "pnl-panel", id }, el("h3", {}, title), ...children);
}

/** Best and worst day of the month, among the days with trades or a realized amount (as the chat). */
function extremes(days) {
  const active = days.filter((d) => d.trades || d.realized);
  if (!active.length) return [];
  const best = active.reduce((a, b) => (b.realized > a.realized ? b : a));
  const worst = active.reduce((a, b) => (b.realized < a.realized ? b : a));
  return [figure(t("pnl.best"), `${best.day.slice(5)} ${signed(best.realized)}`, "", "best"),
    figure(t("pnl.worst"), `${worst.day.slice(5)} ${signed(worst.realized)}`, "", "worst")];
}

export class Pnl {
  constructor(root, state) {
    this.state = state;
    this.current = null;  // the service's month ("YYYY-MM"): no later one can be asked for
    this.month = null;
    this.day = null;
    this.seq = { month: 0, day: 0, hedge: 0 };
    this.prev = el("button", { type: "button", id: "pnl-prev", title: t("pnl.prev_title") }, t("pnl.prev"));
    this.next = el("button", { type: "button", id: "pnl-next", title: t("pnl.next_title") }, t("pnl.next"));
    this.picker = el("input", { type: "month", id: "pnl-month", title: t("pnl.month_pick") });
    this.error = el("span", { class: "error", id: "pnl-error" });
    this.prev.addEventListener("click", () => this.load(shiftMonth(this.month, -1)));
    this.next.addEventListener("click", () => this.load(shiftMonth(this.month, 1)));
    this.picker.addEventListener("change", () => this.picker.value && this.load(this.picker.value));
    this.summary = el("div", { id: "pnl-summary" }, el("p", { class: "muted" }, t("pnl.loading")));
    this.cal = el("div", { id: "pnl-calendar" });
    this.curve = el("div", { id: "pnl-curve" });
    this.dayBox = el("div", { id: "pnl-day-body" });
    this.dayTitle = el("h3", { id: "pnl-day-title" }, t("pnl.day"));
    const hide = el("button", { type: "button", id: "pnl-day-hide" }, t("pnl.hide"));
    hide.addEventListener("click", () => this.hideDay());
    this.dayPanel = el("section", { class: "pnl-panel", id: "pnl-day" }, el("div", { class: "pnl-head" }, this.dayTitle, hide), this.dayBox);
    this.dayPanel.hidden = true;
    this.tables = el("div", { id: "pnl-tables" });
    this.tablesTitle = el("h3", {}, t("pnl.month_tables"));
    this.monthTitle = el("h3", {}, t("pnl.month"));
    this.hedge = el("div", { id: "pnl-hedge-body" });
    this.hedgeTitle = el("h3", {}, t("pnl.hedge"));
    root.replaceChildren(el("div", { class: "pnl" },
      el("div", { class: "tools pnl-tools" }, this.prev, this.picker, this.next, this.error),
      el("section", { class: "pnl-panel", id: "pnl-month-panel" }, this.monthTitle, this.summary),
      el("div", { class: "pnl-row" }, section("pnl-cal-panel", t("pnl.calendar"), this.cal,
        el("p", { class: "muted hint" }, t("pnl.pick_day"))), section("pnl-curve-panel", t("pnl.curve"), this.curve)),
      this.dayPanel,
      el("section", { class: "pnl-panel", id: "pnl-tables-panel" }, this.tablesTitle, this.tables),
      el("section", { class: "pnl-panel", id: "pnl-hedge" }, this.hedgeTitle, this.hedge)));
    this.load(null);
    this.loadHedge();
  }

  close() {
    this.closed = true;
    clearTimeout(this.timer);
  }

  update(channel, data) {
    if (channel !== "trades" || !POSITION.has(data?.kind)) return;
    this.stale = { figures: (this.stale?.figures ?? false) || CLOSING.has(data.kind) };
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.refresh(), 300);  // a burst of closes: one read
  }

  refresh() {
    if (this.closed) return;
    const { figures: moved } = this.stale ?? {};
    this.stale = null;
    if (moved) {
      if (this.month === this.current) this.load(null);  // the service's month: a new one after midnight on the 1st
      if (this.day) this.showDay(this.day, false);
    }
    this.loadHedge();
  }

  /** The monthly report of `month` ("YYYY-MM"; null: the service's current month). */
  async load(month) {
    const seq = ++this.seq.month;
    this.error.textContent = "";
    let report;
    try {
      report = await call("GET", month ? `/reports/monthly?month=${month}` : "/reports/monthly");
    } catch (problem) {
      if (seq === this.seq.month) this.error.textContent = problem.message;
      return;
    }
    if (seq !== this.seq.month || this.closed) return;
    const shown = report.label.slice(0, 7);
    if (!month || shown > (this.current ?? "")) this.current = shown;
    if (shown !== this.month) this.hideDay();
    this.month = shown;
    this.draw(report);
  }

  draw(report) {
    this.report = report;
    this.picker.value = this.month;
    this.picker.max = this.current;
    this.next.disabled = this.month >= this.current;
    this.monthTitle.replaceChildren(`${t("pnl.month")} ${report.label} `, el("span", { class: "muted" }, report.account.currency));
    this.tablesTitle.textContent = fill(t("pnl.month_tables"), { month: this.month });
    this.summary.replaceChildren(figures(report.total, report.account.currency, extremes(report.days)));
    const grid = calendar(this.month, report.days, (iso) => this.showDay(iso));
    this.cal.replaceChildren(grid);
    select(grid, this.day);
    this.curve.replaceChildren(curve(report));
    this.tables.replaceChildren(tables(report, "pnl-month"));
  }

  hideDay() {
    this.day = null;
    this.dayPanel.hidden = true;
    this.dayBox.replaceChildren();
    const grid = this.cal.querySelector(".pnl-cal");
    if (grid) select(grid, null);
  }

  /** The daily report of `iso` (YYYY-MM-DD) under the calendar; `reveal` scrolls to it (a click, not a refresh). */
  async showDay(iso, reveal = true) {
    const seq = ++this.seq.day;
    this.day = iso;
    select(this.cal.querySelector(".pnl-cal"), iso);
    let report;
    try {
      report = await call("GET", `/reports/daily?date=${iso}`);
    } catch (problem) {
      if (seq === this.seq.day) this.error.textContent = problem.message;
      return;
    }
    if (seq !== this.seq.day || this.closed || this.day !== iso) return;
    this.dayTitle.textContent = `${t("pnl.day")} ${report.label}`;
    this.dayBox.dataset.day = iso;
    this.dayBox.replaceChildren(figures(report.total, report.account.currency), tables(report, "pnl-day"));
    this.dayPanel.hidden = false;
    if (reveal) this.dayPanel.scrollIntoView({ block: "nearest" });
  }

  async loadHedge() {
    const seq = ++this.seq.hedge;
    let report;
    try {
      report = await call("GET", "/reports/hedge");
    } catch (problem) {
      if (seq === this.seq.hedge) this.hedge.replaceChildren(el("p", { class: "error" }, problem.message));
      return;
    }
    if (seq !== this.seq.hedge || this.closed) return;
    this.hedgeTitle.textContent = `${t("pnl.hedge")} ${report.label}`;
    const done = () => { this.stale = { figures: true }; this.refresh(); };
    this.hedge.replaceChildren(hedgeSection(report, Boolean(this.state.me?.can_trade), done));
  }
}
