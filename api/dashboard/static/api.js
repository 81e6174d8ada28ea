// The REST API and the WebSocket, under the token this tab signed in with (sessionStorage, never a URL).
const TOKEN = "mt5bot.token";
const ACCOUNT = "mt5bot.account";
const BASE = "/api/v1";
// The service's own routes, never an account's (api/front.py): no `account` goes with them.
const OWN = /^\/(health|auth\/|accounts|chat|parse)/;

function kept(key) {
  return {
    get() { return sessionStorage.getItem(key); },
    set(value) { value ? sessionStorage.setItem(key, value) : sessionStorage.removeItem(key); },
  };
}

/** This tab's token and, on a service with several accounts, the account it shows. */
export const session = Object.defineProperties({}, { token: kept(TOKEN), account: kept(ACCOUNT) });

/** `path` with this tab's account, when one is chosen and the route is an account's. */
function routed(path) {
  const account = session.account;
  if (!account || OWN.test(path)) return path;
  return `${path}${path.includes("?") ? "&" : "?"}account=${encodeURIComponent(account)}`;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code;
    this.body = body;
  }
}

export async function call(method, path, { body, token = session.token, key } = {}) {
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  const response = await fetch(BASE + routed(path), {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok || !data?.success) throw new ApiError(response.status, data);
  return data.data;
}

/** Sign in: keep a JWT when the service issues them (the master token then stays out of storage). */
export async function signIn(token) {
  let kept = token;
  try {
    const login = await call("POST", "/auth/login", { token, body: {} });
    kept = login.token;
  } catch (error) {
    if (!(error instanceof ApiError) || ![400, 403].includes(error.status)) throw error;
  }
  const me = await call("GET", "/auth/me", { token: kept });
  session.token = kept;
  return me;
}

export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The service's WebSocket with the given channels; `on(channel, data)` gets every message, `state(up)`
 * the link. The token travels as the subprotocol `bearer.<token>`, never in the URL. Reconnects with
 * backoff and subscribes again; `ticks(symbols)` sets the symbols whose ticks come (the views' live
 * prices), `close()` ends it.
 */
export function live(channels, on, state) {
  let socket = null;
  let delay = 500;
  let closed = false;
  let ticks = new Set();
  const send = (message) => { if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message)); };
  const open = () => {
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${BASE}${routed("/ws")}`;
    socket = new WebSocket(url, ["mt5bot", `bearer.${session.token}`]);
    socket.onopen = () => {
      delay = 500;
      state(true);
      for (const channel of channels) send({ action: "subscribe", channel });
      if (ticks.size) send({ action: "subscribe", channel: "ticks", symbols: [...ticks] });
    };
    socket.onmessage = (message) => {
      const frame = JSON.parse(message.data);
      if (frame.channel === "ping") send({ action: "pong" });
      else on(frame.channel, frame.data);
    };
    socket.onclose = () => {
      state(false);
      if (closed) return;
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 15000);
    };
  };
  open();
  return {
    close() { closed = true; socket?.close(); },
    ticks(symbols) {
      const wanted = new Set(symbols);
      const gone = [...ticks].filter((s) => !wanted.has(s));
      const added = [...wanted].filter((s) => !ticks.has(s));
      ticks = wanted;
      if (gone.length) send({ action: "unsubscribe", channel: "ticks", symbols: gone });
      if (added.length) send({ action: "subscribe", channel: "ticks", symbols: added });
    },
  };
}
