// The audit log for admins (GET /audit): who did what, from which front-end, for which account, and how it
// ended; newest first, narrowed by platform, outcome, action and account, older lines paged in with "Load
// more" (`before`). A `trades` frame reads the first page again and puts the new lines on top. Viewers and
// traders get a short note and no request (the server refuses them anyway: 403). On a front the service
// answers from its own log for every account (docs/accounts.md): `account` only filters it.
import { call, session } from "./api.js";
import { t, words } from "./i18n.js";
import { el } from "./dom.js";

words({
  en: {
    "audit.admins": "The audit log is for admins only.", "audit.none": "No audit lines match.",
    "audit.failed": "The audit log could not be read.", "audit.more": "Load more", "audit.refresh": "Refresh",
    "audit.all_platforms": "All front-ends", "audit.all_outcomes": "All outcomes", "audit.all_accounts": "All accounts",
    "audit.action_filter": "Action, e.g. open", "audit.shown": "shown", "audit.locked": "The account chosen at the top",
    "audit.time": "Time", "audit.platform": "Front-end", "audit.user": "User", "audit.account": "Account",
    "audit.action": "Action", "audit.summary": "Command", "audit.outcome": "Outcome", "audit.code": "Code",
    "audit.tickets": "Tickets", "audit.duration": "Duration",
    "audit.o.ok": "ok", "audit.o.refused": "refused", "audit.o.rejected": "rejected", "audit.o.failed": "failed",
    "audit.o.pending": "pending", "audit.o.expired": "expired", "audit.o.denied": "denied",
    "audit.p.rest": "REST", "audit.p.http": "HTTP chat", "audit.p.telegram": "Telegram", "audit.p.qq": "QQ (OneBot)",
    "audit.p.qqbot": "QQ bot", "audit.p.wecom": "WeCom", "audit.p.wecom_robot": "WeCom robot", "audit.p.system": "system",
  },
  zh: {
    "audit.admins": "审计日志仅限管理员查看。", "audit.none": "没有符合条件的审计记录。",
    "audit.failed": "无法读取审计日志。", "audit.more": "加载更多", "audit.refresh": "刷新",
    "audit.all_platforms": "全部入口", "audit.all_outcomes": "全部结果", "audit.all_accounts": "全部账户",
    "audit.action_filter": "操作，如 open", "audit.shown": "条", "audit.locked": "页面顶部选择的账户",
    "audit.time": "时间", "audit.platform": "入口", "audit.user": "用户", "audit.account": "账户",
    "audit.action": "操作", "audit.summary": "指令", "audit.outcome": "结果", "audit.code": "代码",
    "audit.tickets": "单号", "audit.duration": "耗时",
    "audit.o.ok": "成功", "audit.o.refused": "已拒绝", "audit.o.rejected": "被驳回", "audit.o.failed": "失败",
    "audit.o.pending": "待确认", "audit.o.expired": "已过期", "audit.o.denied": "无权限",
    "audit.p.rest": "REST", "audit.p.http": "HTTP 聊天", "audit.p.telegram": "Telegram", "audit.p.qq": "QQ (OneBot)",
    "audit.p.qqbot": "QQ 机器人", "audit.p.wecom": "企业微信", "audit.p.wecom_robot": "企业微信群机器人", "audit.p.system": "系统",
  },
});

const PAGE = 50;
const PLATFORMS = ["rest", "http", "telegram", "qq", "qqbot", "wecom", "wecom_robot", "system"];
const OUTCOMES = ["ok", "refused", "rejected", "failed", "pending", "expired", "denied"];
const ACTIONS = ["open", "close", "modify", "cancel", "chat.message", "chat.preview", "chat.confirm", "chat.trade", "retention"];
const COLUMNS = ["time", "platform", "user", "account", "action", "summary", "outcome", "code", "tickets", "duration"];

/** A word for `key`, or `raw` itself when there is none (a platform or action added later). */
function word(key, raw) {
  const found = t(key);
  return found === key ? raw : found;
}

/** What was asked, short: the text a person typed, else the command's main fields. */
export function summary(line) {
  if (line.raw_input) return `“${line.raw_input}”`;
  const c = line.command || {};
  const parts = [c.intent, c.ticket && `#${c.ticket}`, c.all && "all", c.side,
    c.order_type !== "market" && c.order_type, c.volume, c.fraction && `${Math.round(c.fraction * 1000) / 10}%`,
    c.symbol, c.price && `@ ${c.price}`, c.sl != null && `SL ${c.sl}`, c.tp != null && `TP ${c.tp}`,
    c.magic && `EA ${c.magic}`, c.selector];
  return parts.filter((p) => typeof p === "number" ? p > 0 : typeof p === "string" && p).join(" ") || "–";
}

function select(id, all, values, label) {
  return el("select", { id, ariaLabel: all },
    el("option", { value: "" }, all), ...values.map((v) => el("option", { value: v }, label(v))));
}

export class Audit {
  constructor(root, state) {
    this.state = state;
    if (state.me?.role !== "admin") {
      root.replaceChildren(el("p", { class: "muted audit-note", id: "audit-admins" }, t("audit.admins")));
      return;
    }
    this.rows = [];
    this.next = null;
    this.generation = 0;
    this.platform = select("audit-platform", t("audit.all_platforms"), PLATFORMS, (p) => word(`audit.p.${p}`, p));
    this.outcome = select("audit-outcome", t("audit.all_outcomes"), OUTCOMES, (o) => t(`audit.o.${o}`));
    this.account = select("audit-account", t("audit.all_accounts"), [], (a) => a);
    this.action = el("input", { type: "search", id: "audit-action", placeholder: t("audit.action_filter") });
    this.action.setAttribute("list", "audit-actions");
    const known = el("datalist", { id: "audit-actions" }, ...ACTIONS.map((a) => el("option", { value: a })));
    for (const control of [this.platform, this.outcome, this.account, this.action]) {
      control.addEventListener("change", () => this.reload());
    }
    const refresh = el("button", { type: "button", id: "audit-refresh" }, t("audit.refresh"));
    refresh.addEventListener("click", () => this.reload());
    this.count = el("span", { class: "muted", id: "audit-count" });
    this.body = el("div", { id: "audit", class: "audit" });
    this.more = el("button", { type: "button", id: "audit-more", hidden: true }, t("audit.more"));
    this.more.addEventListener("click", () => this.loadMore());
    root.replaceChildren(el("div", { class: "tools audit-tools" },
      this.platform, this.outcome, this.action, known, this.account, refresh, this.count), this.body,
    el("div", { class: "audit-foot" }, this.more));
    call("GET", "/accounts").then((accounts) => this.showAccounts(accounts)).catch(() => {});
    this.reload();
  }

  close() { this.closed = true; }

  /** The account filter's choices. Once an account is chosen in the header (a front), api.js sends it with
   * every request, this one too: the filter then shows that account and is locked to it. */
  showAccounts(accounts) {
    this.account.append(...accounts.map((a) => el("option", { value: a.name }, a.label ? `${a.name} · ${a.label}` : a.name)));
    this.account.disabled = Boolean(session.account);
    if (session.account) Object.assign(this.account, { value: session.account, title: t("audit.locked") });
  }

  update(channel) {
    if (channel === "trades" && this.rows) this.reload({ keep: true });
  }

  query(before) {
    const params = new URLSearchParams({ limit: String(PAGE) });
    for (const [name, control] of [["platform", this.platform], ["outcome", this.outcome], ["account", this.account]]) {
      if (control.value && !control.disabled) params.set(name, control.value);
    }
    const action = this.action.value.trim();
    if (action) params.set("action", action);
    if (before) params.set("before", String(before));
    return `/audit?${params}`;
  }

  /** The first page again; `keep` (a live update) keeps the older lines already loaded below it. */
  reload({ keep = false } = {}) {
    const generation = keep ? this.generation : ++this.generation;
    call("GET", this.query()).then((page) => {
      if (this.closed || generation !== this.generation) return;
      const oldest = page.entries.length ? page.entries[page.entries.length - 1].id : Infinity;
      const older = keep ? this.rows.filter((r) => r.id < oldest) : [];
      // joined only where the new page reaches the rows shown: a full page of new lines may leave a gap
      const joined = older.length && page.next_before !== null && this.rows.some((r) => r.id >= oldest);
      this.rows = joined ? [...page.entries, ...older] : page.entries;
      if (!joined) this.next = page.next_before;
      this.draw();
    }).catch(() => this.failed(generation));
  }

  loadMore() {
    if (this.next === null) return;
    const generation = this.generation;
    this.more.disabled = true;
    call("GET", this.query(this.next)).then((page) => {
      if (this.closed || generation !== this.generation) return;
      const seen = new Set(this.rows.map((r) => r.id));
      this.rows.push(...page.entries.filter((r) => !seen.has(r.id)));
      this.next = page.next_before;
      this.draw();
    }).catch(() => this.failed(generation)).finally(() => { this.more.disabled = false; });
  }

  failed(generation) {
    if (this.closed || generation !== this.generation) return;
    this.body.replaceChildren(el("p", { class: "error", id: "audit-failed" }, t("audit.failed")));
  }

  draw() {
    this.more.hidden = this.next === null;
    this.count.textContent = `${this.rows.length} ${t("audit.shown")}`;
    if (!this.rows.length) {
      this.body.replaceChildren(el("p", { class: "muted", id: "audit-none" }, t("audit.none")));
      return;
    }
    const head = el("tr", {}, ...COLUMNS.map((c) => el("th", {}, t(`audit.${c}`))));
    const table = el("table", { class: "grid audit-grid", id: "audit-table" },
      el("thead", {}, head), el("tbody", {}, ...this.rows.map((line) => this.row(line))));
    this.body.replaceChildren(table);
  }

  row(line) {
    const when = new Date(line.at);
    const user = el("td", { class: "audit-user", title: line.chat_id && line.chat_id !== line.user_id ? `chat ${line.chat_id}` : "" },
      line.user_id, el("span", { class: "muted" }, line.role ? t(`role.${line.role}`) : ""));
    const code = line.error_code || (line.retcode != null ? String(line.retcode) : "–");
    const said = el("td", { class: "audit-summary", title: line.command ? JSON.stringify(line.command) : "" }, summary(line));
    const cells = [
      el("td", { class: "audit-time", title: line.at }, when.toLocaleString()),
      el("td", {}, word(`audit.p.${line.platform}`, line.platform)), user,
      el("td", {}, line.account || "–"), el("td", { class: "audit-action" }, line.action), said,
      el("td", {}, el("span", { class: `outcome outcome-${line.outcome}`, "data-outcome": line.outcome }, t(`audit.o.${line.outcome}`))),
      el("td", { title: line.request_id ? `request ${line.request_id}` : "" }, code),
      el("td", {}, line.tickets.length ? line.tickets.map((n) => `#${n}`).join(" ") : "–"),
      el("td", { class: "num" }, line.duration_ms != null ? `${line.duration_ms.toFixed(1)} ms` : "–"),
    ];
    return el("tr", { "data-id": String(line.id), "data-outcome": line.outcome }, ...cells);
  }
}
