// PAM chat client: speaks the WebSocket protocol v1 (docs/protocol.md).
// An ES module with no build step, needing only dom.js and live.js beside it (the socket's
// constants and frame parsing are the panel pages' too; the chat socket's logic is its own). It
// defines no globals; the only thing it exposes is document.body.dataset.pamReady = "1" once the
// server's `connection` frame arrives.

import { byId, el } from "./dom.js";
import { BACKOFF_MAX_MS, BACKOFF_MIN_MS, CLOSE_UNAUTHENTICATED, HEARTBEAT_MS, parseFrame, socketUrl } from "./live.js";

const TURN_ENDING_ERRORS = new Set(["PROVIDER_UNAVAILABLE", "INTERNAL_ERROR"]);
const STATUS_TEXT = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};
const LOGIN_URL = "/accounts/login/";
const STICK_THRESHOLD_PX = 48;
const COMPOSER_MAX_HEIGHT_PX = 192;

// ---------------------------------------------------------------------------------------------
// Pure helpers. A tool card's label and summary come from the server (assistant.registry.tool_card),
// the same text the page renders for saved history.

/** A string or number as text; anything else (objects, null, booleans) as "". */
function scalar(value) {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return "";
}

/** How a resolved action reads on its card (the server's PendingAction statuses). */
const ACTION_OUTCOMES = {
  done: "Approved",
  cancelled: "Cancelled",
  expired: "Expired: ask PAM again",
  failed: "Failed",
};

function actionButtons() {
  const actions = el("span", "tool-card__actions");
  const approve = el("button", "btn btn--small btn--primary", "Approve");
  approve.dataset.approve = "true";
  const cancel = el("button", "btn btn--small btn--ghost", "Cancel");
  cancel.dataset.approve = "false";
  for (const button of [approve, cancel]) button.type = "button";
  actions.append(approve, cancel);
  return actions;
}

/** Mark a confirmation card resolved: no buttons; its label and icon say how it ended. */
function settleActionCard(card, state) {
  card.dataset.status = state;
  card.querySelector(".tool-card__actions")?.remove();
  card.querySelector(".tool-card__icon").textContent = state === "done" ? "✓" : "–";
  card.querySelector(".tool-card__name").textContent = ACTION_OUTCOMES[state] || state;
}

/** The Undo button of a write PAM made, shown while it can be undone (docs/protocol.md, "Undo"). */
function undoButton() {
  const wrap = el("span", "tool-card__undo");
  const button = el("button", "btn btn--small btn--ghost", "Undo");
  button.type = "button";
  button.dataset.undoButton = "";
  wrap.append(button);
  return wrap;
}

/** Offer Undo on a card until `undoUntil` (ISO 8601), then take the button away. */
function offerUndo(card, undoId, undoUntil) {
  card.dataset.undoId = undoId;
  card.dataset.undoUntil = undoUntil;
  card.dataset.undo = "available";
  card.querySelector(".tool-card__undo")?.remove();
  card.append(undoButton());
  expireUndoLater(card);
}

/** Take a card's Undo away once its time is up (the server refuses it after that anyway). */
function expireUndoLater(card) {
  const until = Date.parse(card.dataset.undoUntil || "");
  const expire = () => {
    if (card.dataset.undo !== "available") return;
    card.dataset.undo = "expired";
    card.querySelector(".tool-card__undo")?.remove();
  };
  if (Number.isNaN(until) || until <= Date.now()) expire();
  else window.setTimeout(expire, until - Date.now());
}

/** Show how an undo ended on its card: "Undone", or why not, inline. */
function settleUndoCard(card, status, message) {
  card.removeAttribute("aria-busy");
  card.querySelector(".tool-card__undo-error")?.remove();
  if (status === "done" || status === "already_undone") {
    card.dataset.undo = "undone";
    card.querySelector(".tool-card__undo")?.replaceWith(el("span", "tool-card__undone", "Undone"));
    return;
  }
  if (status === "expired") {
    card.dataset.undo = "expired";
    card.querySelector(".tool-card__undo")?.remove();
  }
  for (const button of card.querySelectorAll("[data-undo-button]")) button.disabled = false;
  const error = el("span", "tool-card__undo-error", message || "That could not be undone.");
  error.setAttribute("role", "alert");
  card.append(error);
}

/** A safe same-origin download link from a tool result ({url}), or null. */
function downloadLink(result) {
  const url = result && typeof result === "object" ? scalar(result.url) : "";
  if (!url.startsWith("/") || url.startsWith("//")) return null;
  const link = el("a", "tool-card__download", "Download CSV");
  link.href = url;
  link.setAttribute("download", "");
  return link;
}

function toolCard(call) {
  const failed = call.status === "error";
  const pending = call.status === "needs_confirmation" && typeof call.action_id === "string";
  const card = el("li", "tool-card");
  card.dataset.tool = scalar(call.tool);
  card.dataset.status = failed ? "error" : pending ? "pending" : "ok";
  const icon = el("span", "tool-card__icon", failed ? "✗" : pending ? "?" : "✓");
  icon.setAttribute("aria-hidden", "true");
  card.append(icon, el("span", "tool-card__name", scalar(call.label) || "Tool"));
  if (failed) card.append(el("span", "visually-hidden", " (failed)"));
  const summary = scalar(call.summary);
  if (summary) card.append(el("span", "tool-card__summary", summary));
  const error = failed && call.result && typeof call.result === "object" ? scalar(call.result.error) : "";
  if (error) card.append(el("span", "tool-card__error", error));
  if (pending) {
    card.dataset.actionId = call.action_id;
    card.append(actionButtons());
  }
  const link = failed ? null : downloadLink(call.result);
  if (link) card.append(link);
  if (!failed && !pending && typeof call.undo_id === "string" && typeof call.undo_until === "string") {
    offerUndo(card, call.undo_id, call.undo_until);
  }
  return card;
}

function newMessageId() {
  if (typeof crypto !== "undefined" && typeof crypto.randomUUID === "function") {
    try {
      return crypto.randomUUID();
    } catch {
      // Not a secure context in some browsers: fall through to getRandomValues.
    }
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function parseConversationId(value) {
  const number = typeof value === "number" ? value : Number(value);
  return value !== "" && value != null && Number.isInteger(number) && number > 0 ? number : null;
}

function formatWait(seconds) {
  const s = Math.max(1, Math.ceil(Number(seconds) || 0));
  if (s === 1) return "1 second";
  if (s < 90) return `${s} seconds`;
  return `${Math.ceil(s / 60)} minutes`;
}

/** Where the user is, when they have already let this site know (never asks on its own). */
let knownPosition = null;

function watchKnownPosition() {
  if (!navigator.permissions || !navigator.geolocation) return;
  navigator.permissions
    .query({ name: "geolocation" })
    .then((status) => {
      if (status.state !== "granted") return;
      navigator.geolocation.getCurrentPosition(
        (position) => {
          knownPosition = { lat: position.coords.latitude, lng: position.coords.longitude };
        },
        () => {},
        { maximumAge: 600000, timeout: 10000 },
      );
    })
    .catch(() => {});
}

function clientContext() {
  const context = { page: "chat" };
  if (knownPosition) context.location = knownPosition;
  try {
    const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (timezone) context.timezone = timezone;
  } catch {
    // No Intl time zone support: the server falls back to the profile's timezone.
  }
  return context;
}

// ---------------------------------------------------------------------------------------------

const root = document.querySelector("[data-ws-path]");
if (root) {
  watchKnownPosition();
  startChat(root);
}

function startChat(root) {
  const scroller = byId("chat-scroll");
  const list = byId("messages");
  const form = byId("composer-form");
  const composer = byId("composer");
  const sendButton = byId("send");
  const stopButton = byId("stop");
  const statusEl = byId("connection-status");
  const counter = byId("char-count");
  const notices = byId("notices");
  const conversationList = byId("conversation-list");
  let welcome = byId("welcome");

  const wsUrl = socketUrl(root.dataset.wsPath);
  const maxLength = composer.maxLength > 0 ? composer.maxLength : 4000;

  let conversationId = parseConversationId(root.dataset.conversationId);
  let ws = null;
  let connected = false; // true between the `connection` frame and the socket closing
  let attempt = 0;
  let reconnectTimer = 0;
  let pingSentAt = 0;
  let lastFrameAt = 0;
  let leaving = false;
  let unauthenticated = false;
  let stickToBottom = true;

  /** message_id -> turn: {id, text, user, reply, acked, ended, stopping} */
  const turns = new Map();
  /** message_id -> chat frame, sent but not yet acknowledged; resent after a reconnect. */
  const outbox = new Map();
  let activeTurn = null;

  // --- Scrolling ----------------------------------------------------------------------------

  scroller.addEventListener(
    "scroll",
    () => {
      stickToBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < STICK_THRESHOLD_PX;
    },
    { passive: true },
  );

  function follow(force = false) {
    if (!force && !stickToBottom) return;
    scroller.scrollTop = scroller.scrollHeight;
    stickToBottom = true;
  }

  // --- Connection status and controls --------------------------------------------------------

  function setStatus(state) {
    statusEl.dataset.state = state;
    statusEl.textContent = STATUS_TEXT[state];
  }

  function canSend() {
    return connected && !activeTurn && ws !== null && ws.readyState === WebSocket.OPEN;
  }

  function updateControls() {
    sendButton.disabled = !canSend();
    const answering = Boolean(activeTurn && activeTurn.reply && !activeTurn.ended);
    if (!answering && document.activeElement === stopButton) composer.focus();
    stopButton.hidden = !answering;
    stopButton.disabled = !connected || Boolean(activeTurn && activeTurn.stopping);
    stopButton.textContent = activeTurn && activeTurn.stopping ? "Stopping…" : "Stop";
    const now = Date.now();
    for (const button of list.querySelectorAll(".msg__retry")) {
      button.disabled = !canSend() || now < Number(button.dataset.readyAt || 0);
    }
  }

  // --- Rendering -----------------------------------------------------------------------------

  function createMessage(role) {
    const row = el("article", `msg msg--${role}`);
    row.dataset.role = role;
    const bubble = el("div", "msg__bubble");
    const text = el("div", "msg__text");
    bubble.append(text);
    row.append(el("span", "visually-hidden", role === "user" ? "You said:" : "PAM said:"), bubble);
    return { row, bubble, text, meta: null, note: null, marker: null, typing: null, tools: null };
  }

  function setMeta(view, text) {
    if (view.meta) view.meta.remove();
    view.meta = text ? el("p", "msg__meta", text) : null;
    if (view.meta) view.row.append(view.meta);
  }

  function setNote(view, ...content) {
    if (view.note) view.note.remove();
    view.note = content.length ? el("div", "msg__note") : null;
    if (view.note) {
      view.note.append(...content);
      view.row.append(view.note);
    }
  }

  function setMarker(view, kind, ...content) {
    if (view.marker) view.marker.remove();
    view.marker = el("p", `msg__marker msg__marker--${kind}`);
    view.marker.append(...content);
    view.bubble.append(view.marker);
  }

  function reloadLink(text) {
    const link = el("a", null, text);
    link.href = conversationId ? `?c=${conversationId}` : location.href;
    return link;
  }

  function renderUser(turn) {
    const view = createMessage("user");
    view.row.dataset.messageId = turn.id;
    view.text.textContent = turn.text;
    list.append(view.row);
    return view;
  }

  function markPending(turn) {
    if (!turn.user) return;
    turn.user.row.dataset.delivery = "pending";
    setNote(turn.user);
    setMeta(turn.user, "Sending…");
  }

  function markDelivered(turn) {
    turn.acked = true;
    outbox.delete(turn.id);
    if (!turn.user || turn.user.row.dataset.delivery === "delivered") return;
    turn.user.row.dataset.delivery = "delivered";
    setMeta(turn.user, "");
    setNote(turn.user);
  }

  function markFailed(turn, text, retryAfter) {
    outbox.delete(turn.id);
    if (!turn.user) {
      showNotice(text);
      return;
    }
    turn.user.row.dataset.delivery = "failed";
    setMeta(turn.user, "Not sent");
    const parts = [el("span", null, text)];
    if (retryAfter != null) {
      const waitMs = Math.max(0, Number(retryAfter) || 0) * 1000;
      const button = el("button", "btn btn--small msg__retry", "Retry");
      button.type = "button";
      button.dataset.readyAt = String(Date.now() + waitMs);
      button.addEventListener("click", () => retry(turn));
      parts.push(" ", button);
      window.setTimeout(updateControls, waitMs + 50);
    }
    setNote(turn.user, ...parts);
  }

  function ensureReply(turn) {
    if (turn.reply) return turn.reply;
    const view = createMessage("assistant");
    view.row.dataset.status = "streaming";
    view.row.dataset.messageId = turn.id;
    view.row.setAttribute("aria-busy", "true");
    view.typing = el("span", "typing");
    for (let i = 0; i < 3; i += 1) view.typing.append(el("span", "typing__dot"));
    view.typing.append(el("span", "visually-hidden", "PAM is typing…"));
    view.bubble.append(view.typing);
    list.append(view.row);
    turn.reply = view;
    follow();
    return view;
  }

  function finishTurn(turn, status) {
    turn.ended = true;
    turn.stopping = false;
    const view = turn.reply;
    if (view) {
      if (view.typing) view.typing.remove();
      view.typing = null;
      view.row.dataset.status = status;
      view.row.removeAttribute("aria-busy");
    }
    if (activeTurn === turn) activeTurn = null;
    updateControls();
  }

  function showNotice(text) {
    const notice = el("div", "notice");
    notice.append(el("p", "notice__text", text));
    const close = el("button", "notice__close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "Dismiss");
    close.addEventListener("click", () => {
      notice.remove();
      composer.focus();
    });
    notice.append(close);
    notices.append(notice);
    while (notices.children.length > 3) notices.firstElementChild.remove();
  }

  function touchSidebar(id, titleHint) {
    if (!conversationList) return;
    let link = conversationList.querySelector(`a[data-conversation="${id}"]`);
    let item = link ? link.closest("li") : null;
    if (!link) {
      const empty = conversationList.querySelector(".convo-list__empty");
      if (empty) empty.remove();
      item = document.createElement("li");
      link = el("a", "convo");
      link.href = `?c=${id}`;
      link.dataset.conversation = String(id);
      const title = titleHint.length > 60 ? `${titleHint.slice(0, 59)}…` : titleHint;
      link.append(el("span", "convo__title", title || `Conversation ${id}`), el("span", "convo__time"));
      item.append(link);
    }
    conversationList.prepend(item);
    for (const other of conversationList.querySelectorAll("a.convo")) {
      other.classList.toggle("is-current", other === link);
      if (other === link) other.setAttribute("aria-current", "page");
      else other.removeAttribute("aria-current");
    }
    const newChat = document.getElementById("new-chat");
    if (newChat) newChat.classList.remove("is-current");
    const time = link.querySelector(".convo__time");
    if (time) time.textContent = "now";
  }

  function setConversation(value, titleHint = "") {
    const id = parseConversationId(value);
    if (id === null) return;
    touchSidebar(id, titleHint);
    conversationId = id;
    root.dataset.conversationId = String(id);
    const url = new URL(location.href);
    if (url.search === `?c=${id}`) return;
    url.search = `?c=${id}`;
    history.replaceState(history.state, "", url);
  }

  // --- Sending -------------------------------------------------------------------------------

  function transmit(frame) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    try {
      ws.send(JSON.stringify(frame));
      return true;
    } catch {
      return false;
    }
  }

  function sendChat(turn) {
    const frame = { type: "chat", message: turn.text, message_id: turn.id, context: clientContext() };
    if (conversationId !== null) frame.conversation_id = conversationId;
    turn.acked = false;
    turn.ended = false;
    outbox.set(turn.id, frame);
    activeTurn = turn;
    markPending(turn);
    transmit(frame);
    updateControls();
  }

  function submitComposer() {
    const text = composer.value.trim();
    if (!text || !canSend()) return;
    if (text.length > maxLength) {
      showNotice(`Messages can be up to ${maxLength.toLocaleString()} characters.`);
      return;
    }
    composer.value = "";
    composerChanged();
    if (welcome) {
      welcome.remove();
      welcome = null;
    }
    const turn = { id: newMessageId(), text, user: null, reply: null, acked: false, ended: false, stopping: false };
    turn.user = renderUser(turn);
    turns.set(turn.id, turn);
    sendChat(turn);
    follow(true);
  }

  function retry(turn) {
    if (!canSend() || turn.acked) return;
    list.append(turn.user.row); // keep the conversation in order: the reply follows it
    sendChat(turn);
    follow(true);
    composer.focus();
  }

  function requestStop() {
    const turn = activeTurn;
    if (!turn || !turn.reply || turn.ended || turn.stopping) return;
    if (transmit({ type: "stop", message_id: turn.id })) {
      turn.stopping = true;
      updateControls();
    }
  }

  // --- Receiving -----------------------------------------------------------------------------

  /** The turn a server frame is about; one this tab did not start is adopted. */
  function turnFor(messageId) {
    let turn = turns.get(messageId);
    if (!turn) {
      turn = { id: messageId, text: "", user: null, reply: null, acked: true, ended: false, stopping: false };
      turns.set(messageId, turn);
    }
    return turn;
  }

  function startedTurn(frame) {
    const turn = turnFor(frame.message_id);
    markDelivered(turn);
    if (!turn.ended && !activeTurn) activeTurn = turn;
    ensureReply(turn);
    return turn;
  }

  function onConnection() {
    connected = true;
    attempt = 0;
    setStatus("connected");
    document.body.dataset.pamReady = "1";
    for (const frame of outbox.values()) transmit(frame); // the server de-duplicates by message_id
    updateControls();
  }

  function onAck(frame) {
    const turn = turnFor(frame.message_id);
    markDelivered(turn);
    setConversation(frame.conversation_id, turn.text);
    if (frame.duplicate && !turn.reply && activeTurn === turn) {
      // The server already had this message (sent before a reconnect): it is never answered
      // twice, and any reply went to the old socket.
      setNote(turn.user || ensureReply(turn), "PAM already received this message. ", reloadLink("Reload to see the reply"));
      finishTurn(turn, "complete");
    }
    updateControls();
  }

  function onDelta(frame) {
    if (typeof frame.delta !== "string" || frame.delta === "") return;
    const view = startedTurn(frame).reply;
    view.text.append(frame.delta); // a text node: never parsed as HTML
    follow();
  }

  function onToolCall(frame) {
    const view = startedTurn(frame).reply;
    if (!view.tools) {
      view.tools = el("ul", "tool-cards");
      view.tools.setAttribute("aria-label", "What PAM did");
      view.bubble.insertBefore(view.tools, view.text);
    }
    view.tools.append(toolCard(frame));
    const undone = frame.tool === "undo_last_action" && frame.status === "ok" && frame.result ? frame.result.undo_id : null;
    if (typeof undone === "string") for (const card of undoCards(undone)) settleUndoCard(card, "done", "");
    follow();
  }

  function onResponse(frame) {
    const turn = turnFor(frame.message_id);
    markDelivered(turn);
    const view = ensureReply(turn);
    if (typeof frame.message === "string") view.text.textContent = frame.message;
    const stopped = frame.status === "stopped";
    if (stopped) setMarker(view, "stopped", "Stopped");
    if (frame.reply_id != null) view.row.dataset.replyId = String(frame.reply_id);
    setMeta(view, [scalar(frame.source), scalar(frame.model)].filter(Boolean).join(" · "));
    finishTurn(turn, stopped ? "stopped" : "complete");
    setConversation(frame.conversation_id, turn.text);
    follow();
    dispatchUiActions(frame.ui_actions);
  }

  /** Tell the rest of the page (a dashboard panel, say) what changed: `pam:ui_action` events. */
  function dispatchUiActions(actions) {
    if (!Array.isArray(actions)) return;
    for (const action of actions) {
      window.dispatchEvent(new CustomEvent("pam:ui_action", { detail: action }));
    }
  }

  // --- Alerts PAM raised on its own ------------------------------------------------------------

  const alertsRegion = byId("alerts");
  /** alert id -> its card; an alert sent again (after a reconnect) is not shown twice. */
  const alertCards = new Map();

  function showAlert(alert) {
    if (!alert || typeof alert.id !== "number" || alertCards.has(alert.id) || !alertsRegion) return;
    const card = el("article", "alert");
    card.dataset.severity = scalar(alert.severity);
    card.dataset.alertId = String(alert.id);
    card.append(el("span", "alert__severity", scalar(alert.severity)), el("p", "alert__title", scalar(alert.title)),
      el("p", "alert__message", scalar(alert.message)));
    const actions = el("div", "alert__actions");
    for (const offered of Array.isArray(alert.actions) ? alert.actions : []) {
      const text = scalar(offered && offered.message);
      if (!text) continue;
      const button = el("button", "btn btn--small btn--primary", scalar(offered.label) || text);
      button.type = "button";
      button.addEventListener("click", () => {
        composer.value = text;
        composerChanged();
        submitComposer();
        acknowledge(alert.id);
      });
      actions.append(button);
    }
    const dismiss = el("button", "btn btn--small btn--ghost", "Got it");
    dismiss.type = "button";
    dismiss.addEventListener("click", () => acknowledge(alert.id));
    actions.append(dismiss);
    card.append(actions);
    alertCards.set(alert.id, card);
    alertsRegion.prepend(card);
  }

  function acknowledge(alertId) {
    if (!transmit({ type: "alert_ack", alert_id: alertId })) showNotice("PAM is reconnecting; try again in a moment.");
  }

  // --- Confirmations -------------------------------------------------------------------------

  function actionCard(actionId) {
    return [...list.querySelectorAll(".tool-card[data-action-id]")].find((card) => card.dataset.actionId === actionId);
  }

  function answerAction(card, approved) {
    const sent = transmit({ type: "confirm_action", action_id: card.dataset.actionId, approved, context: clientContext() });
    if (!sent) {
      showNotice("PAM is reconnecting; try again in a moment.");
      return;
    }
    for (const button of card.querySelectorAll(".tool-card__actions button")) button.disabled = true;
    card.setAttribute("aria-busy", "true");
  }

  function onActionResult(frame) {
    const id = scalar(frame.action_id);
    const card = actionCard(id);
    if (card) {
      card.removeAttribute("aria-busy");
      settleActionCard(card, scalar(frame.status));
      if (frame.status === "done" && typeof frame.undo_id === "string" && typeof frame.undo_until === "string") {
        offerUndo(card, frame.undo_id, frame.undo_until);
      }
    }
    if (!frame.already_resolved) appendNote(frame);
    dispatchUiActions(frame.ui_actions);
  }

  // PAM's saved note about an answered action or an undo, as an assistant message.
  function appendNote(frame) {
    if (!scalar(frame.message)) return;
    const view = createMessage("assistant");
    view.row.dataset.status = "complete";
    if (frame.reply_id != null) view.row.dataset.replyId = String(frame.reply_id);
    view.text.textContent = frame.message;
    list.append(view.row);
    follow(true);
  }

  function onActionError(frame) {
    const card = actionCard(scalar(frame.action_id));
    if (card) {
      card.removeAttribute("aria-busy");
      if (frame.error_code === "NOT_FOUND") settleActionCard(card, "expired");
      for (const button of card.querySelectorAll(".tool-card__actions button")) button.disabled = false;
    }
    showNotice(scalar(frame.message) || "That action could not be completed.");
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-approve]");
    const card = button?.closest(".tool-card[data-action-id]");
    if (card && !button.disabled) answerAction(card, button.dataset.approve === "true");
  });

  // --- Undo ----------------------------------------------------------------------------------

  function undoCards(undoId) {
    return [...list.querySelectorAll(".tool-card[data-undo-id]")].filter((card) => card.dataset.undoId === undoId);
  }

  function requestUndo(card) {
    if (!transmit({ type: "undo", undo_id: card.dataset.undoId })) {
      showNotice("PAM is reconnecting; try again in a moment.");
      return;
    }
    for (const button of card.querySelectorAll("[data-undo-button]")) button.disabled = true;
    card.setAttribute("aria-busy", "true");
  }

  function onUndoResult(frame) {
    for (const card of undoCards(scalar(frame.undo_id))) settleUndoCard(card, scalar(frame.status), scalar(frame.message));
    if (frame.status === "done") appendNote(frame);
    dispatchUiActions(frame.ui_actions);
  }

  function onUndoError(frame) {
    const text = scalar(frame.message) || "That could not be undone.";
    const cards = undoCards(scalar(frame.undo_id));
    for (const card of cards) settleUndoCard(card, frame.error_code === "NOT_FOUND" ? "expired" : "error", text);
    if (!cards.length) showNotice(text);
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("[data-undo-button]");
    const card = button?.closest(".tool-card[data-undo-id]");
    if (card && !button.disabled) requestUndo(card);
  });

  for (const card of list.querySelectorAll('.tool-card[data-undo="available"]')) expireUndoLater(card);

  function onError(frame) {
    const code = scalar(frame.error_code);
    let text = scalar(frame.message) || "Something went wrong.";
    if (code === "UNAUTHENTICATED") {
      unauthenticated = true; // the close with code 4401 follows and sends us to the login page
      return;
    }
    const hasRetry = code === "RATE_LIMIT_EXCEEDED" && frame.retry_after != null;
    if (hasRetry) text = `${text} Try again in ${formatWait(frame.retry_after)}.`;

    const turn = typeof frame.message_id === "string" ? turns.get(frame.message_id) : undefined;
    if (!turn || (turn.ended && !TURN_ENDING_ERRORS.has(code))) {
      if (!(turn && code === "NOT_FOUND")) showNotice(text); // a late stop for a finished turn is moot
      return;
    }

    if (TURN_ENDING_ERRORS.has(code)) {
      // The user's message is saved, and so is whatever PAM said before the failure.
      markDelivered(turn);
      const view = ensureReply(turn);
      setMarker(view, "error", text);
      finishTurn(turn, "error");
      follow();
      return;
    }

    if (outbox.has(turn.id)) {
      // The chat frame was refused and not saved.
      markFailed(turn, text, hasRetry ? frame.retry_after : null);
      if (!hasRetry && !composer.value) {
        composer.value = turn.text; // let them edit it and send again
        composerChanged();
      }
      finishTurn(turn, "error");
      follow();
      return;
    }

    // Acknowledged, so the error is about a stop frame: let the user try stopping again.
    turn.stopping = false;
    updateControls();
    if (code === "NOT_FOUND") return; // the turn is no longer running: its chat_response is on its way

    if (activeTurn === turn) {
      setMarker(ensureReply(turn), "error", text);
      follow();
    } else {
      showNotice(text);
    }
  }

  function onFrame(data) {
    const frame = parseFrame(data);
    if (!frame) return;
    lastFrameAt = Date.now();
    switch (frame.type) {
      case "connection":
        onConnection();
        break;
      case "message_ack":
        onAck(frame);
        break;
      case "chat_response_start":
        startedTurn(frame);
        setConversation(frame.conversation_id);
        updateControls();
        break;
      case "chat_response_delta":
        onDelta(frame);
        break;
      case "tool_call":
        onToolCall(frame);
        break;
      case "chat_response":
        onResponse(frame);
        break;
      case "error":
        if (typeof frame.action_id === "string") onActionError(frame);
        else if (typeof frame.undo_id === "string") onUndoError(frame);
        else onError(frame);
        break;
      case "action_result":
        onActionResult(frame);
        break;
      case "undo_result":
        onUndoResult(frame);
        break;
      case "ui_actions":
        dispatchUiActions(frame.actions);
        break;
      case "proactive_alert":
        showAlert(frame.alert);
        break;
      case "alert_acknowledged":
        alertCards.get(frame.alert_id)?.remove();
        alertCards.delete(frame.alert_id);
        break;
      default:
        break; // pong, and frame types from later protocol versions
    }
  }

  // --- The socket ----------------------------------------------------------------------------

  function connect() {
    window.clearTimeout(reconnectTimer);
    reconnectTimer = 0;
    if (ws || leaving || unauthenticated) return;
    let socket;
    try {
      socket = new WebSocket(wsUrl);
    } catch {
      scheduleReconnect();
      return;
    }
    ws = socket;
    socket.addEventListener("message", (event) => {
      if (ws === socket) onFrame(event.data);
    });
    socket.addEventListener("close", (event) => {
      if (ws === socket) onClosed(event.code);
    });
  }

  /** Close the current socket now and handle it as closed, without waiting for its close event. */
  function dropSocket() {
    const socket = ws;
    if (!socket) return;
    ws = null;
    try {
      socket.close(1000);
    } catch {
      // already closing
    }
    onClosed(1006);
  }

  function onClosed(code) {
    ws = null;
    connected = false;
    pingSentAt = 0;
    if (code === CLOSE_UNAUTHENTICATED || unauthenticated) {
      unauthenticated = true;
      setStatus("offline");
      updateControls();
      location.assign(`${LOGIN_URL}?next=${encodeURIComponent(location.pathname + location.search)}`);
      return;
    }
    const turn = activeTurn;
    if (turn) {
      turn.stopping = false;
      if (!outbox.has(turn.id)) {
        // Acknowledged and being answered on the socket that just closed: the answer will not
        // reach this tab, but the server keeps what was saved.
        setMarker(ensureReply(turn), "error", "The connection dropped before PAM finished. ", reloadLink("Reload to see the saved reply"));
        finishTurn(turn, "error");
      }
      // Otherwise it stays in the outbox and is resent after the next `connection` frame.
    }
    updateControls();
    if (!leaving) scheduleReconnect();
  }

  function scheduleReconnect() {
    if (reconnectTimer || leaving || unauthenticated) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.min(attempt, 10));
    attempt += 1;
    const delay = base + Math.random() * base * 0.3;
    setStatus(navigator.onLine === false ? "offline" : "reconnecting");
    reconnectTimer = window.setTimeout(connect, delay);
  }

  function heartbeat() {
    if (!connected) return;
    // A ping that drew no frame at all means the socket is dead (not while a turn is running:
    // the server may be busy answering).
    if (pingSentAt && lastFrameAt < pingSentAt && !activeTurn) {
      dropSocket();
      return;
    }
    if (transmit({ type: "ping" })) pingSentAt = Date.now();
  }

  window.addEventListener("online", () => {
    if (!ws && !leaving && !unauthenticated) {
      attempt = 0;
      connect();
    }
  });
  window.addEventListener("offline", () => {
    if (!connected) setStatus("offline");
  });
  window.addEventListener("pagehide", () => {
    leaving = true;
    window.clearTimeout(reconnectTimer);
    reconnectTimer = 0;
    dropSocket();
  });
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return; // restored from the back/forward cache
    leaving = false;
    attempt = 0;
    setStatus("connecting");
    connect();
  });

  // --- Composer ------------------------------------------------------------------------------

  function composerChanged() {
    composer.style.height = "auto";
    composer.style.height = `${Math.min(composer.scrollHeight, COMPOSER_MAX_HEIGHT_PX)}px`;
    const length = composer.value.length;
    const near = length >= Math.floor(maxLength * 0.9);
    counter.hidden = !near;
    counter.dataset.state = length >= maxLength ? "full" : "near";
    counter.textContent = near ? `${length.toLocaleString()} / ${maxLength.toLocaleString()}` : "";
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submitComposer();
  });

  composer.addEventListener("input", composerChanged);

  composer.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      submitComposer();
    } else if (event.key === "Escape" && activeTurn && activeTurn.reply) {
      event.preventDefault();
      requestStop();
    }
  });

  stopButton.addEventListener("click", requestStop);

  for (const button of root.querySelectorAll("[data-prompt]")) {
    button.addEventListener("click", () => {
      composer.value = button.dataset.prompt;
      composerChanged();
      if (canSend()) submitComposer();
      else composer.focus();
    });
  }

  // --- Start ---------------------------------------------------------------------------------

  window.setInterval(heartbeat, HEARTBEAT_MS);
  setStatus("connecting");
  updateControls();
  composerChanged();
  follow(true);
  connect();
}
