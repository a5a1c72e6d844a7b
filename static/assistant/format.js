// Money and dates as PAM's pages show them, in the browser's locale (Intl). The API sends
// decimals as strings ("12.50") and days as ISO dates ("2026-11-20").

/** "2026-11-20" as a local Date (no UTC shift). */
export function parseDay(value) {
  const [y, m, d] = String(value).split("-").map(Number);
  return new Date(y, (m || 1) - 1, d || 1);
}

/** ``(value) => "$1,234.50"`` in ``currency`` (extra Intl ``options`` allowed); what is not a number shows as 0. */
export function moneyFormatter(currency, options = {}) {
  const format = new Intl.NumberFormat(undefined, { style: "currency", currency, ...options });
  return (value) => format.format(Number(value) || 0);
}

/** ``(iso) => "Nov 20"``, with the year ("Nov 20, 2025") when it is not the year of ``today`` (ISO). */
export function dayFormatter(today) {
  const thisYear = parseDay(today).getFullYear();
  const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric" });
  const dayYearFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", year: "numeric" });
  return (iso) => {
    const day = parseDay(iso);
    return (day.getFullYear() === thisYear ? dayFormat : dayYearFormat).format(day);
  };
}
