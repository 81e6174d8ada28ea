// Live prices and profit between two `positions` lists. The list's `profit` is the terminal's, exact as of
// its `current_price`; a tick moves it by what MT5 itself estimates a move is worth: price change / tick size
// x tick value (account currency per tick per lot, `SymbolInfo.trade_tick_value`) x lots, signed by side.
// Buys close at the bid, sells at the ask. Anchoring on the terminal's figure keeps swap, commission and
// currency conversion out of the estimate; the next list replaces it with the terminal's number.
import { call } from "./api.js";

const specs = new Map();  // symbol -> {tick_value, tick_size, digits} (or a pending promise)

export class LiveProfit {
  /** `moved(symbol)` is called when a tick changed that symbol's prices. */
  constructor(moved) {
    this.moved = moved;
    this.quotes = new Map();
    this.held = new Set();
  }

  /** A new list from the terminal: its prices are the newest, older ticks no longer apply. */
  track(positions) {
    this.quotes.clear();
    this.held = new Set(positions.map((p) => p.symbol));
    for (const symbol of this.held) {
      if (specs.has(symbol)) continue;
      specs.set(symbol, call("GET", `/symbol/${encodeURIComponent(symbol)}`).then(({ symbol: s }) => {
        specs.set(symbol, { tick_value: s.tick_value, tick_size: s.tick_size, digits: s.digits });
      }).catch(() => specs.delete(symbol)));
    }
  }

  symbols() { return [...this.held].sort(); }

  tick(data) {
    if (!this.held.has(data.symbol)) return;
    this.quotes.set(data.symbol, { bid: data.bid, ask: data.ask });
    if (ready(data.symbol)) this.moved(data.symbol);
  }

  /** The position's closing price now: the last tick's bid (buy) or ask (sell), else the list's. */
  price(p) {
    const quote = this.quotes.get(p.symbol);
    const spec = ready(p.symbol);
    if (!quote || !spec) return p.current_price;
    return Number((p.type === "buy" ? quote.bid : quote.ask).toFixed(spec.digits));
  }

  profit(p) {
    const spec = ready(p.symbol);
    if (!spec || !this.quotes.has(p.symbol) || !spec.tick_size) return p.profit;
    const move = (this.price(p) - p.current_price) * (p.type === "buy" ? 1 : -1);
    return Math.round((p.profit + move / spec.tick_size * spec.tick_value * p.volume) * 100) / 100;
  }
}

function ready(symbol) {
  const spec = specs.get(symbol);
  return spec && !(spec instanceof Promise) ? spec : null;
}
