// The user's WebSocket (docs/protocol.md) as PAM's panel pages use it: connect to /ws/pam/,
// reconnect with backoff, ping to keep it open, show the state in a live badge, and turn the
// server's {"type": "ui_actions", "actions": [{"type": "reload_…"}]} pushes into section reloads,
// gathered for a moment since one write often sends several. The chat page (chat.js) runs its own
// socket with the same constants.

import { debounce } from "./dom.js";

export const BACKOFF_MIN_MS = 500;
export const BACKOFF_MAX_MS = 10000;
export const HEARTBEAT_MS = 25000;
export const CLOSE_UNAUTHENTICATED = 4401;
const RELOAD_DEBOUNCE_MS = 200;
const LIVE_TEXT = { connecting: "Connecting…", connected: "Live", reconnecting: "Reconnecting…", offline: "Offline" };

/** The socket's ws:// or wss:// URL on this host; ``path`` defaults to "/ws/pam/". */
export function socketUrl(path) {
  return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + (path || "/ws/pam/");
}

/** A server frame's object, or null when it is not a JSON object. */
export function parseFrame(data) {
  let frame;
  try {
    frame = JSON.parse(data);
  } catch {
    return null;
  }
  return frame && typeof frame === "object" ? frame : null;
}

/** ``requestReload(names)``: the names asked for within ``ms`` of each other, reloaded together. */
export function reloadQueue(reload, ms = RELOAD_DEBOUNCE_MS) {
  const pending = new Set();
  const flush = debounce(() => {
    const names = [...pending];
    pending.clear();
    if (names.length) reload(names);
  }, ms);
  return (names) => {
    for (const name of names) pending.add(name);
    flush();
  };
}

/**
 * Connects now and keeps the page current for as long as it is open.
 * - ``badge``: the live status element; its data-state and text follow the socket.
 * - ``path``: the socket's path (the page's data-ws-path).
 * - ``reloads``: ui_action type -> the names of the sections it invalidates.
 * - ``sections``: every section's name, reloaded after a reconnect (pushes sent while the socket
 *   was down are lost) and back from the back/forward cache.
 * - ``requestReload(names)``: from reloadQueue.
 * - ``onSignedOut()`` when the server closes the socket as unauthenticated; while
 *   ``isSignedOut()`` it does not reconnect.
 */
export function startLive({ badge, path, reloads, sections, requestReload, onSignedOut, isSignedOut }) {
  const wsUrl = socketUrl(path);
  let ws = null;
  let attempt = 0;
  let reconnectTimer = 0;
  let everConnected = false;
  let leaving = false;

  function setLive(state) {
    badge.dataset.state = state;
    badge.textContent = LIVE_TEXT[state];
  }

  function onFrame(event) {
    const frame = parseFrame(event.data);
    if (!frame) return;
    if (frame.type === "connection") {
      setLive("connected");
      attempt = 0;
      // Pushes sent while the socket was down are lost: catch up once on every reconnect.
      if (everConnected) requestReload(sections);
      everConnected = true;
    } else if (frame.type === "ui_actions" && Array.isArray(frame.actions)) {
      const names = frame.actions.flatMap((action) => (action && reloads[action.type]) || []);
      if (names.length) requestReload(names);
    }
    // Every other frame type (pong, alerts, chat frames) is not for this page.
  }

  function connect() {
    window.clearTimeout(reconnectTimer);
    reconnectTimer = 0;
    let socket;
    try {
      socket = new WebSocket(wsUrl);
    } catch {
      scheduleReconnect();
      return;
    }
    ws = socket;
    socket.addEventListener("message", onFrame);
    socket.addEventListener("close", (event) => {
      if (ws !== socket) return;
      ws = null;
      if (event.code === CLOSE_UNAUTHENTICATED) {
        setLive("offline");
        onSignedOut();
        return;
      }
      if (!leaving) scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (reconnectTimer || leaving || isSignedOut()) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempt, 10));
    attempt += 1;
    setLive(navigator.onLine === false ? "offline" : "reconnecting");
    reconnectTimer = window.setTimeout(connect, base / 2 + Math.random() * (base / 2));
  }

  window.setInterval(() => {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ping" }));
  }, HEARTBEAT_MS);
  window.addEventListener("online", () => {
    if (!ws) {
      attempt = 0;
      connect();
    }
  });
  window.addEventListener("offline", () => setLive("offline"));
  window.addEventListener("pagehide", () => {
    leaving = true;
    if (ws) ws.close(1000);
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) {
      // Back from the back/forward cache: the socket was closed and the figures may be stale.
      leaving = false;
      attempt = 0;
      connect();
      requestReload(sections);
    }
  });

  setLive("connecting");
  connect();
}
