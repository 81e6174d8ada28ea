// The dashboard's shell: sign-in, navigation, language, and the one WebSocket every view listens to.
import { call, live, session, signIn } from "./api.js";
import { lang, setLang, t, translate } from "./i18n.js";
import { Overview } from "./overview.js";
import { Positions } from "./positions.js";
import { Orders } from "./orders.js";
import { Chart } from "./chart.js";
import { Pnl } from "./pnl.js";
import { Audit } from "./audit.js";
import { el } from "./dom.js";

const VIEWS = { overview: Overview, positions: Positions, orders: Orders, chart: Chart, pnl: Pnl, audit: Audit };
const view = document.getElementById("view");
const state = { me: null, view: null, link: null, account: null, positions: null, connected: null, frames: {} };


function signInForm(message = "") {
  document.getElementById("top").hidden = true;
  const input = el("input", { type: "password", id: "token", autocomplete: "off", required: true });
  const error = el("p", { class: "error", id: "signin-error" }, message);
  const form = el("form", { class: "signin", id: "signin" },
    el("h1", { "data-i18n": "signin.title" }),
    el("label", { htmlFor: "token", "data-i18n": "signin.token" }), input,
    el("button", { type: "submit", id: "signin-go", "data-i18n": "signin.go" }),
    el("p", { class: "hint", "data-i18n": "signin.hint" }), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      state.me = await signIn(input.value.trim());
      start();
    } catch (problem) {
      error.textContent = problem.status === 401 || problem.status === 403 ? t("signin.bad") : t("signin.down");
    }
  });
  view.replaceChildren(form);
  translate(form);
  input.focus();
}

function showLink() {
  const link = document.getElementById("link");
  const parts = [];
  if (state.connected !== null) parts.push(t(state.connected ? "link.up" : "link.down"));
  parts.push(t(state.live ? "link.live" : "link.lost"));
  link.textContent = parts.join(" · ");
  link.className = "link " + (state.live && state.connected !== false ? "ok" : "bad");
}

function route() {
  const name = (location.hash || "#overview").slice(1);
  const View = VIEWS[name] || Overview;
  state.view?.close?.();
  state.link?.ticks([]);  // a view subscribes the ticks it shows
  state.view = new View(view, state);
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("on", a.dataset.view === name);
}

async function start() {
  const top = document.getElementById("top");
  top.hidden = false;
  document.getElementById("who").textContent = `${t("role." + state.me.role)} · ${state.me.subject}`;
  document.body.dataset.role = state.me.role;
  translate();
  state.link?.close();
  state.link = live(["account", "positions", "trades"], (channel, data) => {
    state.frames[channel] = (state.frames[channel] || 0) + 1;  // read by the browser tests and benchmark
    if (channel !== "ticks") document.body.dataset.frames = JSON.stringify(state.frames);
    if (channel === "account") state.account = data;
    if (channel === "positions") state.positions = data;
    state.view?.update?.(channel, data);
  }, (up) => { state.live = up; showLink(); });
  call("GET", "/accounts").then(showAccounts).catch(() => showAccounts([]));
  route();
}

/** A service acting on several accounts (a front, docs/accounts.md): choose the one the pages show. */
function showAccounts(accounts) {
  const select = document.getElementById("account");
  select.hidden = accounts.length < 2;
  if (select.hidden) {
    call("GET", "/health").then((health) => { state.connected = health.mt5_connected; showLink(); }).catch(() => {});
    return;
  }
  const chosen = accounts.find((a) => a.name === session.account) || accounts.find((a) => a.default);
  select.replaceChildren(...accounts.map((a) => el("option", { value: a.name }, a.label ? `${a.label} (${a.name})` : a.name)));
  select.value = chosen.name;
  // the header's terminal state is the chosen account's, not the front's own
  state.connected = chosen.mt5_connected ?? state.connected;
  showLink();
}

document.getElementById("lang").addEventListener("change", (event) => {
  setLang(event.target.value);
  translate();
  if (state.me) start(); else signInForm();
});
document.getElementById("account").addEventListener("change", (event) => {
  session.account = event.target.value;
  state.account = state.positions = null;  // the last account's figures are not this one's
  start();
});
document.getElementById("signout").addEventListener("click", () => {
  session.token = null;
  session.account = null;
  state.link?.close();
  state.me = null;
  signInForm();
});
window.addEventListener("hashchange", () => state.me && route());

setLang(lang);
document.getElementById("lang").value = lang;
if (session.token) {
  call("GET", "/auth/me").then((me) => { state.me = me; start(); }).catch(() => { session.token = null; signInForm(); });
} else {
  signInForm();
}
