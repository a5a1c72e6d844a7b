// PAM money dashboard (/finance/): reads and writes the REST API (/api/v1/) with the session
// cookie and the X-CSRFToken header, draws charts with the vendored Chart.js (window.Chart), and
// keeps itself current from the user's WebSocket: a server frame {"type": "ui_actions",
// "actions": [{"type": "reload_expenses" | "reload_budgets" | "reload_income"}]} refetches
// what changed (docs/protocol.md). An ES module with no build step and no globals; it exposes
// document.body.dataset.moneyReady = "1" once every section has loaded for the first time.
// What it shares with the travel page is in static/assistant/ (api, dom, format, live, panels).

import { ApiError, apiClient, errorText as apiErrorText } from "../assistant/api.js";
import { byId, el, svgIcon } from "../assistant/dom.js";
import { dayFormatter, moneyFormatter, parseDay } from "../assistant/format.js";
import { reloadQueue, startLive } from "../assistant/live.js";
import {
  applyChartTheme,
  chatHint,
  cssVar,
  isSignedOut,
  sectionLoader,
  setView,
  showEmpty,
  signedOut,
  toast,
} from "../assistant/panels.js";

const PAGE_STEP = 10;
const MONTHS = 6;

// Which sections a push invalidates. An expense moves budgets, charts and cash flow too.
const RELOADS = {
  reload_expenses: ["expenses", "budgets", "spending", "cashflow"],
  reload_budgets: ["budgets"],
  reload_income: ["cashflow"],
};
const STATE_TEXT = { ok: "On track", near: "Near limit", over: "Over budget" };
const EXPENSE_FIELDS = ["amount", "category", "date", "merchant", "description", "location", "tags", "receipt_note"];

// ---------------------------------------------------------------------------------------------
// Small helpers

const ICON_EDIT = "M13.5 3.5l3 3L7 16H4v-3z M11.5 5.5l3 3";
const ICON_DELETE = "M4 6h12 M8 6V4h4v2 M6 6l.8 10h6.4L14 6 M8.5 9v4.5 M11.5 9v4.5";

function sign(value) {
  const n = Number(value);
  if (n > 0) return "positive";
  if (n < 0) return "negative";
  return "zero";
}

// ---------------------------------------------------------------------------------------------

const root = byId("money");
if (root) startDashboard(root);

function startDashboard(root) {
  const currency = root.dataset.currency || "USD";
  const apiRoot = root.dataset.apiRoot || "/api/v1/";
  const monthStart = root.dataset.monthStart;
  const monthEnd = root.dataset.monthEnd;
  const today = root.dataset.today;
  const labels = JSON.parse(byId("category-labels").textContent || "{}");

  const percentFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
  const monthFormat = new Intl.DateTimeFormat(undefined, { month: "short" });
  const monthYearFormat = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });
  const monthShortYearFormat = new Intl.DateTimeFormat(undefined, { month: "short", year: "numeric" });

  const money = moneyFormatter(currency);
  const wholeMoney = moneyFormatter(currency, { maximumFractionDigits: 0 });
  const percent = (value) => `${percentFormat.format(Number(value) || 0)}%`;
  const label = (category) => labels[category] || category;
  const dayText = dayFormatter(today);
  const monthText = (ym) => monthFormat.format(parseDay(`${ym}-01`));
  const monthLongText = (ym) => monthYearFormat.format(parseDay(`${ym}-01`));
  const monthShortText = (ym) => monthShortYearFormat.format(parseDay(`${ym}-01`));

  // The currency symbol in front of the amount field ("$", "CA$", "€").
  const symbol = new Intl.NumberFormat(undefined, { style: "currency", currency })
    .formatToParts(0)
    .find((part) => part.type === "currency");
  // Amounts in example chat prompts, written the way PAM's parser reads them ("$400", "€400").
  const hintMoney = (amount) => (symbol && /^[$€£]$/.test(symbol.value) ? `${symbol.value}${amount}` : `${amount} ${currency}`);
  const affix = byId("currency-symbol");
  affix.textContent = symbol ? symbol.value : currency;
  byId("expense-amount").parentElement.style.setProperty("--affix-width", `${Math.max(1, affix.textContent.length) * 0.6}rem`);

  // --- API ----------------------------------------------------------------------------------

  const api = apiClient(apiRoot, { onSignedOut: signedOut });
  // This page writes: the API's own messages (a field's "detail", a refused CSRF token) are worth passing on.
  const errorText = (error, doing) => apiErrorText(error, doing, { serverDetail: true });

  // --- Section states ------------------------------------------------------------------------

  function stateBox(card) {
    return card.querySelector(".state") || card.querySelector(".card__body");
  }

  // --- Budgets -------------------------------------------------------------------------------

  const budgetsCard = byId("budgets");
  let budgetStatus = null;

  function budgetItem(budget) {
    const item = el("li", "budget");
    item.dataset.category = budget.category;
    item.dataset.state = budget.state;
    item.dataset.percent = String(budget.percent_used);
    item.dataset.threshold = String(budget.alert_threshold_percent);

    const top = el("div", "budget__top");
    const name = el("span", "budget__name");
    const dot = el("span", "cat-dot");
    dot.style.setProperty("--cat", `var(--cat-${budget.category})`);
    name.append(dot, label(budget.category));
    const figures = el("span", "budget__figures");
    figures.append(el("strong", null, money(budget.spent)), ` of ${money(budget.available ?? budget.monthly_limit)}`);
    top.append(name, figures);

    const meter = el("div", "meter");
    meter.setAttribute("role", "meter");
    meter.setAttribute("aria-valuemin", "0");
    meter.setAttribute("aria-valuemax", "100");
    meter.setAttribute("aria-valuenow", String(Math.min(100, Math.max(0, budget.percent_used))));
    meter.setAttribute(
      "aria-valuetext",
      `${percent(budget.percent_used)} used; alert at ${budget.alert_threshold_percent}%`,
    );
    meter.setAttribute("aria-label", `${label(budget.category)} budget`);
    const fill = el("span", "meter__fill");
    fill.style.width = `${Math.min(100, Math.max(0, budget.percent_used))}%`;
    const tick = el("span", "meter__tick");
    tick.style.left = `${Math.min(100, Math.max(0, budget.alert_threshold_percent))}%`;
    tick.title = `Alert at ${budget.alert_threshold_percent}%`;
    meter.append(fill, tick);

    const foot = el("div", "budget__foot");
    const pct = el("span", "budget__pct", `${percent(budget.percent_used)} used`);
    // Only the exceptions get a badge; the bar's colour already says "on track".
    if (budget.state !== "ok") pct.append(" ", el("span", "badge", STATE_TEXT[budget.state] || budget.state));
    const remaining = Number(budget.remaining);
    const left = el(
      "span",
      "budget__left",
      remaining < 0 ? `${money(-remaining)} over` : `${money(remaining)} left`,
    );
    foot.append(pct, left);
    item.append(top, meter, foot);

    if (budget.rollover) {
      const carry = Number(budget.carryover) || 0;
      const note = el("span", "budget__carry");
      note.dataset.sign = sign(carry);
      note.textContent =
        carry < 0
          ? `${money(-carry)} overspent last month comes off this month’s ${money(budget.monthly_limit)}`
          : carry > 0
            ? `${money(carry)} carried over + ${money(budget.monthly_limit)} this month`
            : `Rollover on · nothing carried over`;
      item.append(note);
    }
    return item;
  }

  function renderBudgets(status) {
    const body = byId("budgets-body");
    const daysLeft = Number(status.days_left);
    byId("days-left").textContent = Number.isFinite(daysLeft)
      ? `${daysLeft} ${daysLeft === 1 ? "day" : "days"} left`
      : "";
    if (status.month) byId("month-label").textContent = monthLongText(status.month);

    const budgets = status.budgets || [];
    if (!budgets.length) {
      byId("budgets-meta").textContent = "";
      setView(budgetsCard, "empty");
      showEmpty(body, "No budgets yet", chatHint(`Set my fuel budget to ${hintMoney(400)} a month`));
    } else {
      setView(budgetsCard, "ready");
      byId("budgets-meta").textContent = `${money(status.total_spent_budgeted)} of ${money(status.total_limit)}`;
      const list = el("ul", "budgets");
      list.append(...budgets.map(budgetItem));
      const key = el("p", "budgets__legend");
      const tick = el("span", "budgets__legend-tick");
      tick.setAttribute("aria-hidden", "true");
      key.append(tick, "Alert threshold");
      const parts = [list];
      if ((status.unbudgeted || []).length) {
        const extra = el("div", "unbudgeted");
        extra.append(el("p", null, "Also spent, with no budget:"));
        const ul = el("ul");
        for (const row of status.unbudgeted) {
          const li = el("li");
          li.dataset.category = row.category;
          const dot = el("span", "cat-dot");
          dot.style.setProperty("--cat", `var(--cat-${row.category})`);
          li.append(dot, `${label(row.category)} `, el("strong", null, money(row.spent)));
          ul.append(li);
        }
        extra.append(ul);
        parts.push(extra);
      }
      parts.push(key);
      body.replaceChildren(...parts);
    }
    renderStats();
  }

  async function loadBudgets() {
    budgetStatus = await api("budgets/status/");
    renderBudgets(budgetStatus);
  }

  // --- Glance figures ------------------------------------------------------------------------

  let cashflowData = null;

  function setStat(name, value, note, valueSign) {
    const box = document.querySelector(`[data-stat="${name}"]`);
    const valueEl = byId(`stat-${name}`);
    valueEl.textContent = value;
    if (valueSign) valueEl.dataset.sign = valueSign;
    else delete valueEl.dataset.sign;
    byId(`stat-${name}-note`).textContent = note || "";
    box.setAttribute("aria-busy", "false");
  }

  function renderStats() {
    if (budgetStatus) {
      const limit = Number(budgetStatus.total_limit) || 0;
      const budgeted = Number(budgetStatus.total_spent_budgeted) || 0;
      setStat("spent", money(budgetStatus.total_spent), limit ? `${percent((budgeted / limit) * 100)} of budgets used` : "");
      if (limit) {
        const left = limit - budgeted;
        setStat("left", money(left), `of ${money(limit)} budgeted`, left < 0 ? "negative" : null);
      } else {
        setStat("left", "—", "No budgets set");
      }
    }
    if (cashflowData) {
      const current = (cashflowData.months || []).at(-1);
      if (current) {
        setStat("income", money(current.income), "");
        const net = Number(current.net);
        setStat("net", money(net), net < 0 ? "More went out than came in" : "Income minus expenses", sign(net) === "zero" ? null : sign(net));
      }
    }
  }

  // --- Charts --------------------------------------------------------------------------------

  const charts = {};
  const ChartJS = window.Chart;

  const categoryColour = (category) => cssVar(`--cat-${category}`) || cssVar("--cat-other");
  applyChartTheme(ChartJS);

  function drawChart(key, canvas, config) {
    if (!ChartJS) return null;
    if (charts[key]) charts[key].destroy();
    charts[key] = new ChartJS(canvas, config);
    return charts[key];
  }

  const moneyTick = (value) => wholeMoney(value);
  const tooltipMoney = (context) => {
    const value = context.parsed && typeof context.parsed === "object" ? context.parsed.y : context.parsed;
    return `${context.dataset.label || context.label}: ${money(value)}`;
  };

  // Spending by category (this month)
  const categoryCard = byId("by-category");
  let spendingData = null;

  function renderCategory(report) {
    const rows = (report.by_category || []).filter((row) => Number(row.total) > 0);
    const box = stateBox(categoryCard);
    const legend = byId("category-legend");
    if (!rows.length) {
      setView(categoryCard, "empty");
      if (charts.category) charts.category.destroy();
      delete charts.category;
      legend.replaceChildren();
      showEmpty(box, "Nothing spent this month yet", chatHint(`I spent ${hintMoney("45.20")} on groceries at Safeway`));
      return;
    }
    setView(categoryCard, "ready");
    box.replaceChildren();
    const total = Number(report.total) || rows.reduce((sum, row) => sum + Number(row.total), 0);
    const centre = byId("doughnut-total");
    centre.replaceChildren(wholeMoney(total), el("small", null, `${report.count ?? ""} expense${report.count === 1 ? "" : "s"}`));
    legend.replaceChildren(
      ...rows.map((row) => {
        const li = el("li");
        li.dataset.category = row.category;
        const dot = el("span", "cat-dot");
        dot.style.setProperty("--cat", `var(--cat-${row.category})`);
        li.append(
          dot,
          el("span", "legend__name", label(row.category)),
          el("span", "legend__value", money(row.total)),
          el("span", "legend__share", percent(total ? (Number(row.total) / total) * 100 : 0)),
        );
        return li;
      }),
    );
    byId("chart-category").setAttribute(
      "aria-label",
      `Spending by category this month: ${rows.map((row) => `${label(row.category)} ${money(row.total)}`).join(", ")}`,
    );
    drawChart("category", byId("chart-category"), {
      type: "doughnut",
      data: {
        labels: rows.map((row) => label(row.category)),
        datasets: [
          {
            data: rows.map((row) => Number(row.total)),
            backgroundColor: rows.map((row) => categoryColour(row.category)),
            borderColor: cssVar("--surface"),
            borderWidth: 2,
            hoverOffset: 6,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        cutout: "68%",
        plugins: { legend: { display: false }, tooltip: { callbacks: { label: tooltipMoney } } },
      },
    });
  }

  // Spending by month (stacked by category)
  const monthCard = byId("by-month");

  function renderMonths(report) {
    const months = report.by_month || [];
    const box = stateBox(monthCard);
    const any = months.some((m) => Number(m.total) > 0);
    if (!any) {
      setView(monthCard, "empty");
      if (charts.month) charts.month.destroy();
      delete charts.month;
      showEmpty(box, "No spending in the last 6 months", "Expenses you log show up here month by month.");
      return;
    }
    setView(monthCard, "ready");
    box.replaceChildren();
    const categories = [...new Set(months.flatMap((m) => Object.keys(m.by_category || {})))];
    categories.sort((a, b) => Object.keys(labels).indexOf(a) - Object.keys(labels).indexOf(b));
    drawChart("month", byId("chart-month"), {
      type: "bar",
      data: {
        labels: months.map((m) => monthText(m.month)),
        datasets: categories.map((category) => ({
          label: label(category),
          data: months.map((m) => Number((m.by_category || {})[category] || 0)),
          backgroundColor: categoryColour(category),
          borderRadius: 3,
          maxBarThickness: 44,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: true, grid: { display: false } },
          y: { stacked: true, beginAtZero: true, ticks: { callback: moneyTick, maxTicksLimit: 5 } },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            filter: (item) => item.parsed.y > 0,
            callbacks: {
              label: tooltipMoney,
              footer: (items) => `Total: ${money(items.reduce((sum, item) => sum + item.parsed.y, 0))}`,
            },
          },
        },
      },
    });
    const tbody = byId("month-table").tBodies[0];
    tbody.replaceChildren(
      ...months.map((m) => {
        const tr = el("tr");
        const entries = Object.entries(m.by_category || {}).sort((a, b) => Number(b[1]) - Number(a[1]));
        const top = entries.length ? `${label(entries[0][0])} (${money(entries[0][1])})` : "—";
        tr.append(el("th", null, monthShortText(m.month)), el("td", "num", money(m.total)), el("td", null, top));
        tr.firstChild.setAttribute("scope", "row");
        return tr;
      }),
    );
    byId("chart-month").setAttribute(
      "aria-label",
      `Spending per month: ${months.map((m) => `${monthLongText(m.month)} ${money(m.total)}`).join(", ")}`,
    );
  }

  async function loadSpending() {
    // One report: this month by category, and (months=N) the last N months by month.
    spendingData = await api("reports/spending/", { params: { start: monthStart, end: monthEnd, months: MONTHS } });
    renderCategory(spendingData);
    renderMonths(spendingData);
  }

  // Income vs expenses
  const cashflowCard = byId("cashflow");

  function netCell(tag, value) {
    const cell = el(tag, "num net", money(value));
    cell.dataset.sign = sign(value);
    return cell;
  }

  function renderCashflow(flow) {
    cashflowData = flow;
    renderStats();
    const months = flow.months || [];
    const box = stateBox(cashflowCard);
    const any = months.some((m) => Number(m.income) > 0 || Number(m.expenses) > 0);
    if (!any) {
      setView(cashflowCard, "empty");
      if (charts.cashflow) charts.cashflow.destroy();
      delete charts.cashflow;
      showEmpty(box, "No income or expenses yet", chatHint(`I got my ${hintMoney("1,200")} pension today`));
      return;
    }
    setView(cashflowCard, "ready");
    box.replaceChildren();
    drawChart("cashflow", byId("chart-cashflow"), {
      type: "bar",
      data: {
        labels: months.map((m) => monthText(m.month)),
        datasets: [
          { label: "Income", data: months.map((m) => Number(m.income)), backgroundColor: cssVar("--income"), borderRadius: 3, maxBarThickness: 28 },
          { label: "Expenses", data: months.map((m) => Number(m.expenses)), backgroundColor: cssVar("--expense"), borderRadius: 3, maxBarThickness: 28 },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { grid: { display: false } },
          y: { beginAtZero: true, ticks: { callback: moneyTick, maxTicksLimit: 5 } },
        },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12, useBorderRadius: true, borderRadius: 3 } },
          tooltip: {
            callbacks: {
              label: tooltipMoney,
              footer: (items) => {
                const m = months[items[0].dataIndex];
                return m ? `Net: ${money(m.net)}` : "";
              },
            },
          },
        },
      },
    });
    const table = byId("cashflow-table");
    table.tBodies[0].replaceChildren(
      ...months
        .slice()
        .reverse()
        .map((m) => {
          const tr = el("tr");
          const th = el("th", null, monthShortText(m.month));
          th.setAttribute("scope", "row");
          tr.append(th, el("td", "num", money(m.income)), el("td", "num", money(m.expenses)), netCell("td", m.net));
          return tr;
        }),
    );
    const foot = el("tr");
    const th = el("th", null, `${months.length} months`);
    th.setAttribute("scope", "row");
    foot.append(th, el("td", "num", money(flow.income)), el("td", "num", money(flow.expenses)), netCell("td", flow.net));
    table.tFoot.replaceChildren(foot);
    byId("chart-cashflow").setAttribute(
      "aria-label",
      `Income and expenses per month: ${months.map((m) => `${monthLongText(m.month)} income ${money(m.income)}, expenses ${money(m.expenses)}`).join("; ")}`,
    );
  }

  async function loadCashflow() {
    renderCashflow(await api("reports/cashflow/", { params: { months: MONTHS } }));
  }

  // Re-draw with the other palette when the system switches between light and dark.
  const scheme = window.matchMedia("(prefers-color-scheme: dark)");
  scheme.addEventListener("change", () => {
    applyChartTheme(ChartJS);
    if (spendingData) {
      renderCategory(spendingData);
      renderMonths(spendingData);
    }
    if (cashflowData) renderCashflow(cashflowData);
  });

  // --- Recent expenses -----------------------------------------------------------------------

  const expensesCard = byId("expenses");
  const rows = byId("expense-rows");
  const moreButton = byId("more-expenses");
  let expenseLimit = PAGE_STEP;
  let expenses = new Map(); // id -> expense, in list order
  let newestId = null; // the highest id of the previous load: rows above it are new (flashed once)

  function expenseRow(expense, isNew) {
    const tr = el("tr", isNew ? "is-new" : "");
    tr.dataset.id = String(expense.id);
    tr.dataset.category = expense.category;
    tr.dataset.amount = expense.amount;

    const date = el("td", "expense__date");
    const time = el("time", null, dayText(expense.date));
    time.dateTime = expense.date;
    date.append(time, el("span", "expense__cat-inline", ` · ${label(expense.category)}`));

    const category = el("td", "expense__category");
    const dot = el("span", "cat-dot");
    dot.style.setProperty("--cat", `var(--cat-${expense.category})`);
    category.append(dot, label(expense.category));

    const details = el("td", "expense__details");
    const main = expense.merchant || expense.description || label(expense.category);
    const subParts = [];
    if (expense.merchant && expense.description) subParts.push(expense.description);
    if (expense.location) subParts.push(expense.location);
    details.append(el("div", "expense__main", main));
    const sub = el("div", "expense__sub", subParts.join(" · "));
    if (expense.recurring) sub.append(subParts.length ? " · " : "", "Recurring");
    if ((expense.tags || []).length) {
      const tags = el("span", "expense__tags");
      tags.append(...expense.tags.map((tag) => el("span", "tag", tag)));
      sub.append(" ", tags);
    }
    if (sub.childNodes.length) details.append(sub);

    const amount = el("td", "expense__amount num", money(expense.amount));

    const actions = el("td", "expense__actions");
    const description = `${money(expense.amount)} ${label(expense.category)} on ${dayText(expense.date)}`;
    const edit = el("button", "icon-btn");
    edit.type = "button";
    edit.dataset.action = "edit";
    edit.setAttribute("aria-label", `Edit ${description}`);
    edit.title = "Edit";
    edit.append(svgIcon(ICON_EDIT));
    const remove = el("button", "icon-btn icon-btn--danger");
    remove.type = "button";
    remove.dataset.action = "delete";
    remove.setAttribute("aria-label", `Delete ${description}`);
    remove.title = "Delete";
    remove.append(svgIcon(ICON_DELETE));
    actions.append(edit, remove);

    tr.append(date, category, details, amount, actions);
    return tr;
  }

  function renderExpenses(page) {
    const list = page.results || [];
    const box = stateBox(expensesCard);
    expenses = new Map(list.map((expense) => [expense.id, expense]));
    const count = Number(page.count) || list.length;
    byId("expenses-meta").textContent = count ? `${list.length} of ${count}` : "";
    moreButton.hidden = !page.next;
    if (!list.length) {
      setView(expensesCard, "empty");
      rows.replaceChildren();
      const add = el("button", "btn btn--primary btn--small", "Add your first expense");
      add.type = "button";
      add.addEventListener("click", () => openExpenseDialog(null));
      showEmpty(box, "No expenses yet", ["Add one here, or tell PAM in chat: ", el("q", null, `spent ${hintMoney(60)} on fuel today`)], add);
    } else {
      setView(expensesCard, "ready");
      box.replaceChildren();
      // A refresh must not steal keyboard focus from the row the user is on.
      const focused = rows.contains(document.activeElement) ? document.activeElement : null;
      const focusRow = focused?.closest("tr")?.dataset.id;
      const focusAction = focused?.dataset.action;
      rows.replaceChildren(...list.map((expense) => expenseRow(expense, newestId !== null && expense.id > newestId)));
      if (focusRow) rows.querySelector(`tr[data-id="${focusRow}"] [data-action="${focusAction}"]`)?.focus();
    }
    newestId = Math.max(newestId ?? 0, ...list.map((expense) => expense.id));
  }

  async function loadExpenses() {
    renderExpenses(await api("expenses/", { params: { page_size: expenseLimit } }));
  }

  moreButton.addEventListener("click", async () => {
    expenseLimit += PAGE_STEP;
    moreButton.disabled = true;
    try {
      await reload(["expenses"]);
    } finally {
      moreButton.disabled = false;
    }
  });

  rows.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const expense = expenses.get(Number(button.closest("tr").dataset.id));
    if (!expense) return;
    if (button.dataset.action === "edit") openExpenseDialog(expense);
    else openDeleteDialog(expense);
  });

  // --- Loading -------------------------------------------------------------------------------

  const SECTIONS = {
    budgets: { load: loadBudgets, cards: [budgetsCard], what: "load your budgets", box: () => byId("budgets-body") },
    spending: { load: loadSpending, cards: [categoryCard, monthCard], what: "load your spending" },
    cashflow: { load: loadCashflow, cards: [cashflowCard], what: "load income and expenses" },
    expenses: { load: loadExpenses, cards: [expensesCard], what: "load your expenses" },
  };
  const reload = sectionLoader({
    sections: SECTIONS,
    stateBox,
    errorText,
    label: "PAM dashboard",
    afterFailure: (name) => {
      if (name === "budgets" || name === "cashflow") {
        for (const box of document.querySelectorAll('.stat[aria-busy="true"]')) {
          box.setAttribute("aria-busy", "false");
          box.querySelector(".stat__value").textContent = "—";
        }
      }
    },
  });
  // Pushes arrive in bursts (one write can send several); gather them for a moment.
  const requestReload = reloadQueue(reload);

  // --- Add / edit dialog ---------------------------------------------------------------------

  const dialog = byId("expense-dialog");
  const form = byId("expense-form");
  const formError = byId("expense-form-error");
  const saveButton = byId("expense-save");
  let editing = null; // the expense being edited, or null when adding

  function field(name) {
    return form.elements.namedItem(name);
  }

  function clearErrors() {
    formError.hidden = true;
    formError.replaceChildren();
    for (const node of form.querySelectorAll("[data-error-for]")) node.textContent = "";
    for (const node of form.querySelectorAll('[aria-invalid="true"]')) node.removeAttribute("aria-invalid");
  }

  /** DRF error values: a list of messages, or for list fields (tags) an object by index. */
  function flatten(messages) {
    if (Array.isArray(messages)) return messages.flatMap(flatten);
    if (messages && typeof messages === "object") return Object.values(messages).flatMap(flatten);
    return [String(messages)];
  }

  function showErrors(errors) {
    let first = null;
    const general = [];
    for (const [name, messages] of Object.entries(errors)) {
      const text = flatten(messages).join(" ");
      const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
      if (slot && field(name)) {
        slot.textContent = text;
        field(name).setAttribute("aria-invalid", "true");
        if (name === "location" || name === "tags" || name === "receipt_note") byId("more-fields").open = true;
        first = first || field(name);
      } else {
        general.push(name === "non_field_errors" || name === "detail" ? text : `${name}: ${text}`);
      }
    }
    if (general.length) {
      formError.replaceChildren(...general.map((text) => el("p", null, text)));
      formError.hidden = false;
    }
    (first || formError).focus?.();
  }

  /** "1,234.50", "$12", "12,50" → "1234.50", "12", "12.50"; anything else is sent as typed. */
  function normaliseAmount(text) {
    let value = text.trim().replace(/[\s\u00a0]/g, "");
    if (symbol) value = value.replace(symbol.value, "");
    value = value.replace(/^[^\d.,-]+/, "");
    if (/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(value)) value = value.replace(/,/g, "");
    else if (/^\d+,\d{1,2}$/.test(value)) value = value.replace(",", ".");
    return value;
  }

  function openExpenseDialog(expense) {
    editing = expense;
    form.reset();
    clearErrors();
    byId("expense-dialog-title").textContent = expense ? "Edit expense" : "Add expense";
    saveButton.textContent = expense ? "Save changes" : "Add expense";
    const values = expense || { category: "fuel", date: today };
    for (const name of EXPENSE_FIELDS) {
      const input = field(name);
      if (!input) continue;
      const value = values[name];
      input.value = name === "tags" ? (value || []).join(", ") : value ?? "";
    }
    byId("more-fields").open = Boolean(expense && (expense.location || (expense.tags || []).length || expense.receipt_note));
    dialog.showModal();
    field("amount").focus();
  }

  function formPayload() {
    return {
      amount: normaliseAmount(field("amount").value),
      category: field("category").value,
      date: field("date").value,
      merchant: field("merchant").value.trim(),
      description: field("description").value.trim(),
      location: field("location").value.trim(),
      tags: field("tags").value.split(",").map((tag) => tag.trim()).filter(Boolean),
      receipt_note: field("receipt_note").value.trim(),
    };
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors();
    const payload = formPayload();
    const missing = {};
    if (!payload.amount) missing.amount = "Enter an amount.";
    if (!payload.date) missing.date = "Pick the day it was paid.";
    if (Object.keys(missing).length) {
      showErrors(missing);
      return;
    }
    saveButton.disabled = true;
    const wasEditing = editing;
    try {
      let saved;
      if (wasEditing) {
        const changes = {};
        for (const name of EXPENSE_FIELDS) {
          const before = name === "tags" ? (wasEditing.tags || []).join(",") : String(wasEditing[name] ?? "");
          const after = name === "tags" ? payload.tags.join(",") : String(payload[name]);
          if (before !== after) changes[name] = payload[name];
        }
        saved = Object.keys(changes).length
          ? await api(`expenses/${wasEditing.id}/`, { method: "PATCH", body: changes })
          : wasEditing;
      } else {
        saved = await api("expenses/", { method: "POST", body: payload });
      }
      dialog.close("saved");
      toast(wasEditing ? "Expense updated" : `Added ${money(saved.amount)} for ${label(saved.category).toLowerCase()}`);
      requestReload(RELOADS.reload_expenses);
    } catch (error) {
      if (error instanceof ApiError && error.status === 400 && error.data && typeof error.data === "object") {
        showErrors(error.data);
      } else if (error instanceof ApiError && error.status === 404) {
        showErrors({ detail: "This expense no longer exists; it may have been deleted elsewhere." });
        requestReload(RELOADS.reload_expenses);
      } else {
        showErrors({ detail: errorText(error, "save the expense") });
      }
    } finally {
      saveButton.disabled = false;
    }
  });

  // --- Delete dialog -------------------------------------------------------------------------

  const deleteDialog = byId("delete-dialog");
  const deleteForm = byId("delete-form");
  const deleteError = byId("delete-error");
  const deleteButton = byId("delete-confirm");
  let deleting = null;

  function openDeleteDialog(expense) {
    deleting = expense;
    deleteError.hidden = true;
    const what = [money(expense.amount), label(expense.category).toLowerCase()];
    if (expense.merchant) what.push(`at ${expense.merchant}`);
    byId("delete-dialog-text").textContent = `${what.join(" ")} on ${dayText(expense.date)} will be removed from your budgets and reports. This can’t be undone.`;
    deleteDialog.showModal();
  }

  deleteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!deleting) return;
    deleteButton.disabled = true;
    try {
      await api(`expenses/${deleting.id}/`, { method: "DELETE" });
      const row = rows.querySelector(`tr[data-id="${deleting.id}"]`);
      // Focus would return to the deleted row's button: hand it to the next row, or the heading.
      const next = row?.nextElementSibling || row?.previousElementSibling;
      row?.remove();
      deleteDialog.close("deleted");
      (next?.querySelector('[data-action="delete"]') || byId("expenses-title")).focus();
      toast("Expense deleted");
      requestReload(RELOADS.reload_expenses);
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        deleteDialog.close("gone");
        toast("That expense was already deleted");
        requestReload(RELOADS.reload_expenses);
      } else {
        deleteError.textContent = errorText(error, "delete the expense");
        deleteError.hidden = false;
      }
    } finally {
      deleteButton.disabled = false;
    }
  });

  for (const node of document.querySelectorAll("dialog [data-close]")) {
    node.addEventListener("click", () => node.closest("dialog").close("cancel"));
  }
  // A click on the backdrop (outside the dialog box) closes it too.
  for (const d of [dialog, deleteDialog]) {
    d.addEventListener("click", (event) => {
      if (event.target === d) {
        const box = d.getBoundingClientRect();
        const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
        if (!inside) d.close("cancel");
      }
    });
  }

  byId("add-expense").addEventListener("click", () => openExpenseDialog(null));

  // --- Start ---------------------------------------------------------------------------------

  if (!ChartJS) {
    for (const chart of document.querySelectorAll(".chart")) chart.hidden = true;
    console.error("PAM dashboard: Chart.js did not load; showing tables only.");
  }
  startLive({
    badge: byId("live-status"),
    path: root.dataset.wsPath,
    reloads: RELOADS,
    sections: Object.keys(SECTIONS),
    requestReload,
    onSignedOut: signedOut,
    isSignedOut,
  });
  reload(Object.keys(SECTIONS)).then(() => {
    document.body.dataset.moneyReady = "1";
  });
}
