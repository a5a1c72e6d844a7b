// What PAM's panel pages (money /finance/, travel /travel/) share: cards that load by section
// (a skeleton, then ready, empty or failed with a retry), toasts, the signed-out banner and the
// Chart.js theme. The markup they expect is in templates/assistant/_panel_page_end.html (the
// toasts region and the empty-state icon) and the pages' #banner; the styles in panels.css.

import { byId, el } from "./dom.js";

const TOAST_MS = 3500;

/** ``view``: "loading", "ready", "empty" or "error"; panels.css shows the parts that fit it. */
export function setView(card, view) {
  card.dataset.view = view;
  card.setAttribute("aria-busy", view === "loading" ? "true" : "false");
}

/** An empty state in ``box``: the RV icon, a title, a hint (text or nodes) and an action button. */
export function showEmpty(box, title, hint, action) {
  const wrap = el("div", "empty");
  wrap.append(byId("empty-icon").content.cloneNode(true), el("p", "empty__title", title));
  if (hint) {
    const p = el("p", "empty__hint");
    p.append(...(Array.isArray(hint) ? hint : [hint]));
    wrap.append(p);
  }
  if (action) wrap.append(action);
  box.replaceChildren(wrap);
}

export function showFailed(box, text, retry) {
  const wrap = el("div", "failed");
  wrap.setAttribute("role", "alert");
  wrap.append(el("p", null, text));
  const button = el("button", "btn btn--secondary btn--small", "Try again");
  button.type = "button";
  button.addEventListener("click", retry);
  wrap.append(button);
  box.replaceChildren(wrap);
}

/** An empty state's hint: "Ask PAM: “prompt”", linking to the chat. */
export function chatHint(prompt) {
  const link = el("a", null, "Ask PAM");
  link.href = "/";
  const q = el("q", null, prompt);
  return [link, ": ", q];
}

/** ``kind``: "info" or "error". */
export function toast(text, kind = "info") {
  const node = el("div", "toast", text);
  node.dataset.kind = kind;
  byId("toasts").append(node);
  window.setTimeout(() => node.remove(), TOAST_MS);
}

let signedOutShown = false;

/** The session has ended (an API 401, or the socket closed as unauthenticated): say so once, with a way back. */
export function signedOut() {
  if (signedOutShown) return;
  signedOutShown = true;
  const banner = byId("banner");
  banner.replaceChildren("Your session has ended. ");
  const link = el("a", null, "Log in again");
  link.href = `/accounts/login/?next=${encodeURIComponent(location.pathname)}`;
  banner.append(link);
  banner.hidden = false;
}

export const isSignedOut = () => signedOutShown;

/** A CSS custom property of the page (``--muted``), as the current colour scheme sets it. */
export function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

/** Chart.js (window.Chart, when it loaded) in the page's text colour, borders and font. */
export function applyChartTheme(ChartJS) {
  if (!ChartJS) return;
  ChartJS.defaults.color = cssVar("--muted");
  ChartJS.defaults.borderColor = cssVar("--border");
  ChartJS.defaults.font.family = getComputedStyle(document.body).fontFamily;
}

/**
 * ``reload(names)`` for a page's ``sections`` (name -> {load, cards, what, box?}): each card shows
 * its skeleton on the first load and is busy on later ones. A failed first load shows the error
 * and a retry in ``box()`` or ``stateBox(card)``; a failed refresh keeps what is on screen and
 * says so in a toast. The answer of a load that a later one overtook is dropped.
 * ``errorText(error, what)`` words the failure; ``afterFailure(name)`` runs after each one that
 * was not dropped. ``label`` ("PAM travel") starts the console message.
 */
export function sectionLoader({ sections, stateBox, errorText, label, afterFailure = () => {} }) {
  const generation = {}; // section -> number of its latest load

  async function loadSection(name) {
    const section = sections[name];
    const mine = (generation[name] = (generation[name] || 0) + 1);
    for (const card of section.cards) {
      if (!card.dataset.view) setView(card, "loading");
      else card.setAttribute("aria-busy", "true");
    }
    try {
      await section.load();
    } catch (error) {
      if (mine !== generation[name]) return;
      console.error(`${label}: loading ${name} failed`, error);
      for (const card of section.cards) {
        // Keep figures already on screen when a refresh fails; say so instead of blanking them.
        if (card.dataset.view === "ready") {
          card.setAttribute("aria-busy", "false");
          toast(errorText(error, section.what), "error");
        } else {
          setView(card, "error");
          showFailed(section.box ? section.box() : stateBox(card), errorText(error, section.what), () => reload([name]));
        }
      }
      afterFailure(name);
    }
  }

  function reload(names) {
    return Promise.all([...new Set(names)].map(loadSection));
  }

  return reload;
}
