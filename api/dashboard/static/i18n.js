// Words of the dashboard in each language; the browser's language decides unless the user chose one.
const WORDS = {
  en: {
    "nav.overview": "Overview", "nav.positions": "Positions", "nav.orders": "Orders", "nav.chart": "Chart",
    "nav.pnl": "P&L", "nav.audit": "Audit log", signout: "Sign out",
    "ord.none": "No pending orders.", "ord.type": "Type", "ord.price": "Order price", "ord.cancel": "Cancel order",
    "type.buy_limit": "Buy limit", "type.sell_limit": "Sell limit", "type.buy_stop": "Buy stop",
    "type.sell_stop": "Sell stop", "type.buy_stop_limit": "Buy stop limit", "type.sell_stop_limit": "Sell stop limit",
    "ord.title": "Confirm: cancel order",
    "signin.title": "Sign in", "signin.token": "API token", "signin.go": "Sign in",
    "signin.hint": "The service's security.token, or its read-only token. It is kept in this tab only.",
    "signin.bad": "This token was refused.", "signin.down": "The service did not answer.",
    "link.up": "terminal connected", "link.down": "terminal disconnected", "link.live": "live", "link.lost": "reconnecting…",
    "ov.balance": "Balance", "ov.equity": "Equity", "ov.margin": "Margin", "ov.free": "Free margin",
    "ov.level": "Margin level", "ov.floating": "Floating P&L", "ov.today": "Today's realized P&L",
    "ov.account": "Account", "role.viewer": "read-only", "role.trader": "trader", "role.admin": "admin",
    "pos.filter": "Filter symbol, EA or ticket", "pos.by_symbol": "By symbol", "pos.by_ea": "By EA",
    "pos.none": "No open positions.", "pos.ticket": "Ticket", "pos.symbol": "Symbol", "pos.side": "Side",
    "pos.volume": "Lots", "pos.open": "Open", "pos.price": "Price", "pos.sl": "SL", "pos.tp": "TP",
    "pos.profit": "Profit", "pos.ea": "EA", "pos.close": "Close", "pos.edit": "SL/TP, part", "pos.net": "net", "pos.locked": "locked",
    "pos.count": "positions", "manual": "manual", "buy": "buy", "sell": "sell",
    "pv.title": "Confirm: close", "pv.estimated": "Estimated P&L", "pv.confirm": "Confirm", "pv.cancel": "Cancel",
    "pv.done.close": "Closed", "pv.done.modify": "Changed", "pv.done.cancel": "Cancelled", "pv.failed": "Not done", "pv.busy": "Sending…",
  },
  zh: {
    "nav.overview": "总览", "nav.positions": "持仓", "nav.orders": "挂单", "nav.chart": "图表",
    "nav.pnl": "盈亏", "nav.audit": "审计日志", signout: "退出",
    "ord.none": "当前没有挂单。", "ord.type": "类型", "ord.price": "挂单价", "ord.cancel": "撤单",
    "type.buy_limit": "限价买入", "type.sell_limit": "限价卖出", "type.buy_stop": "突破买入",
    "type.sell_stop": "突破卖出", "type.buy_stop_limit": "止损限价买入", "type.sell_stop_limit": "止损限价卖出",
    "ord.title": "请确认：撤单",
    "signin.title": "登录", "signin.token": "API 令牌", "signin.go": "登录",
    "signin.hint": "服务的 security.token 或只读令牌，只保存在这个标签页里。",
    "signin.bad": "这个令牌被拒绝了。", "signin.down": "服务没有响应。",
    "link.up": "终端已连接", "link.down": "终端未连接", "link.live": "实时", "link.lost": "重新连接中…",
    "ov.balance": "余额", "ov.equity": "净值", "ov.margin": "保证金", "ov.free": "可用保证金",
    "ov.level": "保证金水平", "ov.floating": "浮动盈亏", "ov.today": "今日已实现盈亏",
    "ov.account": "账户", "role.viewer": "只读", "role.trader": "交易员", "role.admin": "管理员",
    "pos.filter": "按品种、EA 或单号筛选", "pos.by_symbol": "按品种", "pos.by_ea": "按 EA",
    "pos.none": "当前没有持仓。", "pos.ticket": "单号", "pos.symbol": "品种", "pos.side": "方向",
    "pos.volume": "手数", "pos.open": "开仓价", "pos.price": "现价", "pos.sl": "止损", "pos.tp": "止盈",
    "pos.profit": "盈亏", "pos.ea": "EA", "pos.close": "平仓", "pos.edit": "止损止盈/部分", "pos.net": "净", "pos.locked": "锁仓",
    "pos.count": "笔", "manual": "手动", "buy": "买", "sell": "卖",
    "pv.title": "请确认：平仓", "pv.estimated": "预计盈亏", "pv.confirm": "确认", "pv.cancel": "取消",
    "pv.done.close": "已平仓", "pv.done.modify": "已修改", "pv.done.cancel": "已撤单", "pv.failed": "未完成", "pv.busy": "发送中…",
  },
};

const KEY = "mt5bot.lang";

/** A view's own words, `{en: {...}, zh: {...}}`, added to the table (each view module keeps its words). */
export function words(table) {
  for (const [language, entries] of Object.entries(table)) Object.assign(WORDS[language], entries);
}

export function browserLang() {
  return (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh" : "en";
}

export let lang = localStorage.getItem(KEY) || browserLang();

export function setLang(value) {
  lang = value === "zh" ? "zh" : "en";
  localStorage.setItem(KEY, lang);
  document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
}

export function t(key) {
  return WORDS[lang][key] ?? WORDS.en[key] ?? key;
}

/** Fill every element with data-i18n (text) or data-i18n-placeholder below `root`. */
export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
}

const formats = {};  // one Intl.NumberFormat per language: building one per number costs ~20x its use

export function money(value, currency = "") {
  formats[lang] ||= new Intl.NumberFormat(lang === "zh" ? "zh-CN" : "en-US", {
    minimumFractionDigits: 2, maximumFractionDigits: 2,
  });
  const text = formats[lang].format(Number(value ?? 0));
  return currency ? `${text} ${currency}` : text;
}

/** Lots as MT5 shows them: two decimals. */
export function lots(value) {
  return Number(value).toFixed(2);
}

export function signed(value) {
  const n = Number(value ?? 0);
  return (n > 0 ? "+" : "") + money(n);
}
