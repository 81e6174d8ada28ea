// The month calendar (Monday first) coloured by each day's realized P&L from the monthly report's `days`:
// green for a profit, red for a loss, neutral for zero; the stronger the colour, the nearer the day's
// |realized| to the month's largest. Days the report has no row for (still to come) are blank.
import { lang, signed, t, words } from "./i18n.js";
import { el } from "./dom.js";

words({
  en: { "pnl.trade": "trade", "pnl.trades_n": "trades", "pnl.cumulative": "cumulative" },
  zh: { "pnl.trade": "笔", "pnl.trades_n": "笔", "pnl.cumulative": "累计" },
});

// The bases of the colours (style.css --pos and --neg), mixed in by the day's share of the month's largest.
const GREEN = [63, 182, 139];
const RED = [229, 83, 75];

/** How strongly a day is coloured: from 0.18 (a tiny amount) to 0.85 (the month's largest). */
export function intensity(realized, largest) {
  return largest > 0 ? 0.18 + 0.67 * Math.min(1, Math.abs(realized) / largest) : 0;
}

function tradesText(n) {
  return `${n} ${t(n === 1 ? "pnl.trade" : "pnl.trades_n")}`;
}

/** The day's realized P&L, exact to the cent; a long figure in a smaller type so that it fits the cell. */
function amount(realized) {
  const text = signed(realized);
  const size = text.length > 10 ? " longer" : text.length > 8 ? " long" : "";
  return el("strong", { class: `amount${size}` }, text);
}

function weekdays() {
  const format = new Intl.DateTimeFormat(lang === "zh" ? "zh-CN" : "en-US", { weekday: "short", timeZone: "UTC" });
  return Array.from({ length: 7 }, (_, i) => format.format(new Date(Date.UTC(2024, 0, 1 + i))));  // a Monday
}

function dayCell(iso, row, largest, pick) {
  const number = el("span", { class: "num-day" }, String(Number(iso.slice(8))));
  if (!row) return el("div", { class: "day future", "data-day": iso }, number);
  const kind = row.realized > 0 ? "pos" : row.realized < 0 ? "neg" : "flat";
  const cell = el("button", {
    type: "button", class: `day ${kind}`, "data-day": iso, "data-realized": String(row.realized),
    "data-trades": String(row.trades),
    title: `${iso} · ${t("pnl.realized")} ${signed(row.realized)} · ${t("pnl.cumulative")} ${signed(row.cumulative)}`,
  }, number, amount(row.realized), el("span", { class: "count" }, tradesText(row.trades)));
  if (kind !== "flat") {
    const [r, g, b] = kind === "pos" ? GREEN : RED;
    cell.style.backgroundColor = `rgba(${r}, ${g}, ${b}, ${intensity(row.realized, largest).toFixed(3)})`;
  }
  cell.addEventListener("click", () => pick(iso));
  return cell;
}

/** The calendar of `month` ("YYYY-MM") from the report's day rows; `pick(iso)` is called on a click. */
export function calendar(month, days, pick) {
  const [year, number] = month.split("-").map(Number);
  const first = (new Date(Date.UTC(year, number - 1, 1)).getUTCDay() + 6) % 7;  // Monday = 0
  const length = new Date(Date.UTC(year, number, 0)).getUTCDate();
  const rows = new Map(days.map((row) => [row.day, row]));
  const largest = Math.max(0, ...days.map((row) => Math.abs(row.realized)));
  const grid = el("div", { class: "pnl-cal", id: "pnl-cal", "data-month": month });
  for (const name of weekdays()) grid.append(el("div", { class: "wd" }, name));
  for (let i = 0; i < first; i += 1) grid.append(el("div", { class: "day blank" }));
  for (let d = 1; d <= length; d += 1) {
    const iso = `${month}-${String(d).padStart(2, "0")}`;
    grid.append(dayCell(iso, rows.get(iso), largest, pick));
  }
  return grid;
}

/** Mark the chosen day (or none). */
export function select(grid, iso) {
  for (const cell of grid.querySelectorAll(".day[data-day]")) cell.classList.toggle("sel", cell.dataset.day === iso);
}
