// PAM's REST API (/api/v1/) as the pages call it: JSON both ways with the session cookie, Django's
// CSRF token on writes, and every failure as an ApiError (status 0: the server was not reached).

export class ApiError extends Error {
  constructor(status, data) {
    super(`API error ${status}`);
    this.status = status;
    this.data = data;
  }
}

/** Django's CSRF token: the csrftoken cookie (the view ensures it), else a form's hidden field. */
export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) return decodeURIComponent(match[1]);
  const field = document.querySelector('input[name="csrfmiddlewaretoken"]');
  return field ? field.value : "";
}

/**
 * ``api(path, {method, params, body})`` for the API at ``root`` ("/api/v1/"): resolves to the
 * answer's JSON (null for a 204 or a body that is not JSON) and rejects with an ApiError. A 401,
 * or a 403 to a read, means the session has ended: ``onSignedOut()`` is called as well.
 */
export function apiClient(root, { onSignedOut = () => {} } = {}) {
  return async function api(path, { method = "GET", params, body } = {}) {
    const url = new URL(root + path, location.origin);
    for (const [name, value] of Object.entries(params || {})) {
      if (value != null && value !== "") url.searchParams.set(name, value);
    }
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, null); // offline or the server is down
    }
    if (response.status === 401 || (response.status === 403 && method === "GET")) onSignedOut();
    let data = null;
    if (response.status !== 204) {
      try {
        data = await response.json();
      } catch {
        data = null;
      }
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  };
}

/**
 * What to tell the user when ``doing`` ("load your budgets", "save the expense") failed. With
 * ``serverDetail`` (pages that write), a refused CSRF token and the API's own "detail" message
 * are passed on too.
 */
export function errorText(error, doing, { serverDetail = false } = {}) {
  if (error instanceof ApiError) {
    if (error.status === 0) return `Couldn’t reach PAM to ${doing}. Check your connection.`;
    if (error.status === 429) return "Too many requests just now. Try again in a moment.";
    if (serverDetail) {
      if (error.status === 403 && error.data && /csrf/i.test(String(error.data.detail))) {
        return "Your session changed in another tab. Reload the page and try again.";
      }
      if (error.data && typeof error.data.detail === "string") return error.data.detail;
    }
  }
  return `Couldn’t ${doing}. Please try again.`;
}
