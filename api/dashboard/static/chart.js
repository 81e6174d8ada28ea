// The chart: candlesticks of any symbol (TradingView's lightweight-charts, vendored under vendor/ and loaded
// only when the view opens) with the symbol's open positions, their SL and TP and its pending orders drawn as
// price lines, redrawn from the `positions` and `trades` channels; ticks, when the link carries them, move
// the last bar. The time axis shows the trade server's clock, as MT5's own charts do.
import { call } from "./api.js";
import { lang, lots, t, words } from "./i18n.js";
import { el } from "./dom.js";

const LIBRARY = "/ui/vendor/lightweight-charts/lightweight-charts.standalone.production.js";
const CREDIT = "https://www.tradingview.com/";
const BARS = 500;
const TIMEFRAMES = [["M1", "m1", 60], ["M5", "m5", 300], ["M15", "m15", 900], ["H1", "h1", 3600],
  ["H4", "h4", 14400], ["D1", "d1", 86400]];
const SECONDS = Object.fromEntries(TIMEFRAMES.map(([, tf, seconds]) => [tf, seconds]));

words({
  en: {
    "chart.symbol": "Symbol", "chart.tf": "Timeframe", "chart.loading": "Loading…", "chart.bars": "bars",
    "chart.failed": "The chart could not be drawn", "chart.none": "No bars for this symbol.",
    "chart.credit": "Charts: TradingView Lightweight Charts™, Copyright (c) TradingView, Inc.",
  },
  zh: {
    "chart.symbol": "品种", "chart.tf": "周期", "chart.loading": "加载中…", "chart.bars": "根K线",
    "chart.failed": "图表无法显示", "chart.none": "这个品种没有K线。",
    "chart.credit": "图表：TradingView Lightweight Charts™，版权所有 (c) TradingView, Inc.",
  },
});

let loading = null;

/** The library's global `LightweightCharts`; its script is added to the page the first time it is needed. */
export function library() {
  if (window.LightweightCharts) return Promise.resolve(window.LightweightCharts);
  loading ??= new Promise((resolve, reject) => {
    const script = el("script", { src: LIBRARY });
    script.addEventListener("load", () => resolve(window.LightweightCharts));
    script.addEventListener("error", () => {
      loading = null;  // the next view tries again
      script.remove();
      reject(new Error(LIBRARY));
    });
    document.head.append(script);
  });
  return loading;
}

/** The page's theme (style.css variables) as the chart's colours. */
function theme() {
  const css = getComputedStyle(document.documentElement);
  const names = ["bg", "panel", "line", "text", "muted", "pos", "neg", "accent"];
  return Object.fromEntries(names.map((name) => [name, css.getPropertyValue(`--${name}`).trim()]));
}

/** What to draw for `symbol`: each position's open price, SL and TP, each pending order's price. */
export function linesOf(symbol, positions, orders) {
  const lines = [];
  for (const p of positions) {
    if (p.symbol !== symbol) continue;
    const side = p.type === "buy" ? "pos" : "neg";
    lines.push({ kind: "position", ticket: p.ticket, price: p.price_open, colour: side,
      title: `#${p.ticket} ${t(p.type)} ${lots(p.volume)}` });
    if (p.sl) lines.push({ kind: "sl", ticket: p.ticket, price: p.sl, colour: "neg", title: `${t("pos.sl")} #${p.ticket}` });
    if (p.tp) lines.push({ kind: "tp", ticket: p.ticket, price: p.tp, colour: "pos", title: `${t("pos.tp")} #${p.ticket}` });
  }
  for (const o of orders) {
    if (o.symbol !== symbol) continue;
    lines.push({ kind: "order", ticket: o.ticket, price: o.price_open, colour: "accent",
      title: `#${o.ticket} ${t(`type.${o.type}`).toLowerCase()} ${lots(o.volume)}` });
  }
  return lines;
}

/** An ISO time without a zone (the server's wall clock) as the chart's seconds. */
function wallSeconds(text) {
  return Date.parse(text.endsWith("Z") ? text : `${text}Z`) / 1000;
}

export class Chart {
  constructor(root, state) {
    this.state = state;
    this.events = new AbortController();
    this.closed = false;
    this.loads = 0;  // a newer load wins: an older answer arriving late is dropped
    this.lines = [];
    this.symbol = null;
    this.orders = [];
    this.positions = state.positions;
    this.symbolBox = el("select", { id: "chart-symbol", ariaLabel: t("chart.symbol") });
    this.tfBox = el("select", { id: "chart-tf", ariaLabel: t("chart.tf") },
      ...TIMEFRAMES.map(([label, tf]) => el("option", { value: tf }, label)));
    this.tfBox.value = "h1";
    this.status = el("span", { id: "chart-status", class: "muted" }, t("chart.loading"));
    this.box = el("div", { id: "chart-box", class: "chart-box" });
    const credit = el("p", { id: "chart-credit", class: "chart-credit" }, `${t("chart.credit")} · `,
      el("a", { href: CREDIT, target: "_blank", rel: "noopener noreferrer" }, "tradingview.com"));
    const reload = () => this.load().catch((problem) => this.fail(problem));
    this.symbolBox.addEventListener("change", reload, { signal: this.events.signal });
    this.tfBox.addEventListener("change", reload, { signal: this.events.signal });
    root.replaceChildren(el("div", { class: "tools chart-tools" },
      el("label", { htmlFor: "chart-symbol" }, t("chart.symbol")), this.symbolBox,
      el("label", { htmlFor: "chart-tf" }, t("chart.tf")), this.tfBox, this.status), this.box, credit);
    this.start().catch((problem) => this.fail(problem));
  }

  async start() {
    const [charts, symbols, positions] = await Promise.all([
      library(), call("GET", "/symbols"), this.positions ?? call("GET", "/positions"),
    ]);
    if (this.closed) return;
    this.positions ??= positions;  // a live list that came meanwhile is newer
    this.specs = new Map(symbols.map((s) => [s.name, s]));
    this.symbolBox.replaceChildren(
      ...symbols.map((s) => el("option", { value: s.name, title: s.description || "" }, s.name)));
    const held = this.positions.find((p) => this.specs.has(p.symbol));
    this.symbolBox.value = held ? held.symbol : symbols[0]?.name ?? "";
    this.draw(charts);
    await this.load();
  }

  draw(charts) {
    const c = (this.colours = theme());
    this.chart = charts.createChart(this.box, {
      autoSize: true,
      layout: { background: { type: charts.ColorType.Solid, color: c.panel }, textColor: c.muted,
        fontFamily: getComputedStyle(document.body).fontFamily, attributionLogo: false },  // credit: below the chart
      grid: { vertLines: { color: c.bg }, horzLines: { color: c.bg } },
      rightPriceScale: { borderColor: c.line },
      timeScale: { borderColor: c.line, timeVisible: true, secondsVisible: false, rightOffset: 6 },
      crosshair: { mode: charts.CrosshairMode.Normal },
      localization: { locale: lang === "zh" ? "zh-CN" : "en-US" },
    });
    this.series = this.chart.addSeries(charts.CandlestickSeries, {
      upColor: c.pos, downColor: c.neg, wickUpColor: c.pos, wickDownColor: c.neg, borderVisible: false,
    });
    const { Solid, Dashed, LargeDashed } = charts.LineStyle;
    this.styles = { position: [2, Solid], sl: [1, Dashed], tp: [1, Dashed], order: [1, LargeDashed] };
  }

  /** Bars and pending orders of the chosen symbol and timeframe, over REST. */
  async load() {
    const run = ++this.loads;
    const symbol = this.symbolBox.value;
    const tf = this.tfBox.value;
    if (!this.series) return;
    if (!symbol) {
      this.status.textContent = t("chart.none");
      return;
    }
    this.status.className = "muted";
    this.status.textContent = t("chart.loading");
    const name = encodeURIComponent(symbol);
    const [rates, orders] = await Promise.all([
      call("GET", `/rates/${name}?tf=${tf}&count=${BARS}`), call("GET", `/orders/pending?symbol=${name}`),
    ]);
    if (run !== this.loads || this.closed) return;
    const spec = this.specs.get(symbol);
    this.symbol = symbol;
    this.tf = tf;
    this.orders = orders;
    this.bars = rates.rates.map((r) => ({
      time: wallSeconds(r.time_server), open: r.open, high: r.high, low: r.low, close: r.close,
    }));
    const last = rates.rates.at(-1);
    this.offset = last ? wallSeconds(last.time_server) - wallSeconds(last.time) : 0;  // server clock - UTC
    const precision = spec?.digits ?? 5;
    this.series.applyOptions({ priceFormat: { type: "price", precision, minMove: spec?.point ?? 10 ** -precision } });
    this.series.setData(this.bars);
    this.chart.timeScale().scrollToRealTime();
    this.state.link?.ticks?.([symbol]);  // the last bar moves with the quotes, when the link carries ticks
    this.drawLines();
  }

  update(channel, data) {
    if (channel === "positions") {
      this.positions = data;
      this.drawLines();
    } else if (channel === "trades" && this.symbol) {  // an order placed, filled, changed or cancelled
      const symbol = this.symbol;
      call("GET", `/orders/pending?symbol=${encodeURIComponent(symbol)}`).then((orders) => {
        if (this.closed || symbol !== this.symbol) return;
        this.orders = orders;
        this.drawLines();
      }).catch(() => {});
    } else if (channel === "ticks") {
      this.tick(data);
    }
  }

  /** A quote of the chart's symbol: the last bar follows the bid (as MT5 draws), a new period opens a bar. */
  tick(quote) {
    if (quote.symbol !== this.symbol || !this.bars?.length || !quote.time_msc) return;
    const length = SECONDS[this.tf];
    const opened = Math.floor(quote.time_msc / 1000 / length) * length;
    const last = this.bars.at(-1);
    if (opened < last.time) return;
    if (opened >= last.time + length) {
      this.bars.push({ time: opened, open: quote.bid, high: quote.bid, low: quote.bid, close: quote.bid });
    } else {
      Object.assign(last, { high: Math.max(last.high, quote.bid), low: Math.min(last.low, quote.bid), close: quote.bid });
    }
    this.series.update(this.bars.at(-1));
    this.summarise();
  }

  drawLines() {
    if (!this.series || !this.symbol) return;
    for (const line of this.lines) this.series.removePriceLine(line);
    this.drawn = linesOf(this.symbol, this.positions || [], this.orders);
    this.lines = this.drawn.map((d) => {
      const [lineWidth, lineStyle] = this.styles[d.kind];
      return this.series.createPriceLine({ price: d.price, color: this.colours[d.colour], lineWidth, lineStyle,
        axisLabelVisible: true, title: d.title });
    });
    this.summarise();
  }

  /** What is drawn, as JSON on the body: read by the browser tests and the benchmark. */
  summarise() {
    const last = this.bars.at(-1);
    const utc = last ? new Date((last.time - this.offset) * 1000).toISOString().replace(".000Z", "Z") : null;
    document.body.dataset.chart = JSON.stringify({
      symbol: this.symbol, timeframe: this.tf, bars: this.bars.length, last: utc,
      lines: this.drawn.map(({ kind, ticket, price }) => ({ kind, ticket, price })),
    });
    this.status.className = "muted";
    this.status.textContent = this.bars.length
      ? `${this.symbol} · ${this.tf.toUpperCase()} · ${this.bars.length} ${t("chart.bars")}`
      : t("chart.none");
  }

  fail(problem) {
    if (this.closed) return;
    this.status.className = "error";
    this.status.textContent = `${t("chart.failed")}: ${problem.message || problem}`;
  }

  close() {
    this.closed = true;
    this.events.abort();
    this.chart?.remove();
    this.chart = this.series = null;
    this.state.link?.ticks?.([]);
    delete document.body.dataset.chart;
  }
}
