// PAM travel page (/travel/): the user's trips with their stops (listed, and drawn on a Leaflet
// map by ./map.js), the primary vehicle's fuel economy (the vendored Chart.js, window.Chart),
// maintenance due and the next 30 days of the calendar. Everything is read from the REST API
// (/api/v1/) with the session cookie, and kept current from the user's WebSocket: a server
// frame {"type": "ui_actions", "actions": [{"type": "reload_travel" | "reload_trips" | ...}]}
// refetches the sections it touches (docs/protocol.md). An ES module with no build step and no
// globals; it sets document.body.dataset.travelReady = "1" once every section has loaded once.
// What it shares with the money dashboard is in static/assistant/ (api, dom, format, live, panels).

import { ApiError, apiClient, errorText } from "../assistant/api.js";
import { byId, debounce, el, svgIcon } from "../assistant/dom.js";
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
  showFailed,
  signedOut,
} from "../assistant/panels.js";
import { createTripMap } from "./map.js";

const CALENDAR_DAYS = 30;
const RECENT_FILLS = 5;
const ECONOMY_SEGMENTS = 12;
const DAY_MS = 86400000;

// Which sections a push invalidates. Vehicle changes move the fuel figures, what is due (the
// odometer) and the trip estimate (MPG and fuel price); saved places are not on this page.
const RELOADS = {
  reload_travel: ["fuel", "maintenance", "trips"],
  reload_trips: ["trips"],
  reload_places: [],
  reload_calendar: ["calendar"],
  reload_expenses: ["fuel"],
};
const TRIP_STATUS = { active: "Under way", planning: "Planning", completed: "Completed" };
const TRIP_ORDER = { active: 0, planning: 1, completed: 2 };
const STOP_KIND = { campground: "Campground", fuel: "Fuel", attraction: "Attraction", overnight: "Overnight", other: "Stop" };
const EVENT_KIND = { personal: "Personal", reminder: "Reminder", trip: "Trip", booking: "Booking", maintenance: "Maintenance" };
const DUE_STATE = { overdue: "Overdue", due_soon: "Due soon", ok: "OK" };
const KM_PER_MILE = 1.609344;
const LITRES_PER_GALLON = 3.785411784;
const MPG_TO_L_PER_100KM = 235.214583;

// ---------------------------------------------------------------------------------------------
// Small helpers

const ICON_PIN = "M10 17.5s-5.5-5-5.5-9a5.5 5.5 0 0 1 11 0c0 4-5.5 9-5.5 9z M10 10.25a2 2 0 1 0 0-4 2 2 0 0 0 0 4z";

function daysBetween(a, b) {
  return Math.round((parseDay(b) - parseDay(a)) / DAY_MS);
}

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** A list endpoint's rows, paginated ({count, next, previous, results}) or not. */
function rowsOf(data) {
  if (Array.isArray(data)) return data;
  return (data && data.results) || [];
}

// ---------------------------------------------------------------------------------------------

const root = byId("travel");
if (root) startTravelPage(root);

function startTravelPage(root) {
  const apiRoot = root.dataset.apiRoot || "/api/v1/";
  const currency = root.dataset.currency || "USD";
  const metric = root.dataset.units === "metric";
  // The user's own timezone for event times; without one, the browser's.
  const timeZone = root.dataset.timezone || undefined;

  const fuelPriceFormat = new Intl.NumberFormat(undefined, { style: "currency", currency, minimumFractionDigits: 2, maximumFractionDigits: 3 });
  const wholeFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  const oneFormat = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  const money = moneyFormatter(currency);
  const dayText = dayFormatter(root.dataset.today);

  // Quantities arrive in US units (miles, gallons, MPG) and are shown in the user's.
  const units = metric
    ? { distance: "km", volume: "L", economy: "L/100 km", volumeWord: "Litres", perVolume: "/L", perDistance: "/km" }
    : { distance: "mi", volume: "gal", economy: "MPG", volumeWord: "Gallons", perVolume: "/gal", perDistance: "/mi" };
  // The API sends decimals as strings ("3.890"), selectors' figures as numbers: take either.
  const distanceValue = (miles) => (metric ? Number(miles) * KM_PER_MILE : Number(miles));
  const distance = (miles) => `${wholeFormat.format(distanceValue(miles) || 0)} ${units.distance}`;
  const volumeValue = (gallons) => (metric ? Number(gallons) * LITRES_PER_GALLON : Number(gallons));
  const volume = (gallons) => `${oneFormat.format(volumeValue(gallons))} ${units.volume}`;
  const economyValue = (mpg) => (Number(mpg) ? Math.round((metric ? MPG_TO_L_PER_100KM / mpg : Number(mpg)) * 10) / 10 : null);
  const economy = (mpg) => (Number(mpg) ? `${oneFormat.format(economyValue(mpg))} ${units.economy}` : "—");
  const pricePerVolume = (perGallon) => fuelPriceFormat.format(metric ? perGallon / LITRES_PER_GALLON : Number(perGallon));
  const fuelPrice = (perGallon) => `${pricePerVolume(perGallon)}${units.perVolume}`;
  const costPerDistance = (perMile) => `${fuelPriceFormat.format(metric ? perMile / KM_PER_MILE : Number(perMile))}${units.perDistance}`;

  for (const th of document.querySelectorAll("th[data-unit]")) {
    const unit = th.dataset.unit;
    if (unit === "distance") th.textContent = metric ? "Km" : "Miles";
    if (unit === "volume") th.textContent = units.volumeWord;
    if (unit === "economy") th.textContent = units.economy;
    if (unit === "price") th.textContent = `Price${units.perVolume}`;
  }

  // --- API ----------------------------------------------------------------------------------

  const api = apiClient(apiRoot, { onSignedOut: signedOut });

  // --- Section states ------------------------------------------------------------------------

  const stateBox = (card) => card.querySelector(".card__body > .state");

  function badge(text, kind) {
    const node = el("span", "pill", text);
    node.dataset.kind = kind;
    return node;
  }

  // --- Trips ---------------------------------------------------------------------------------

  const tripsCard = byId("trips");
  const picker = byId("trip-picker");
  const panel = byId("trip-panel");
  const stopList = byId("stop-list");
  const estimateBox = byId("trip-estimate");
  const mapNote = byId("map-note");
  let trips = [];
  let selectedId = Number(new URLSearchParams(location.search).get("trip")) || null;
  let tripMap; // undefined: not made yet; null: Leaflet missing
  let vehicleNames = new Map(); // id -> name, from the fuel section
  let estimateGeneration = 0;

  function tripDates(trip) {
    if (trip.start_date && trip.end_date) {
      if (trip.start_date === trip.end_date) return dayText(trip.start_date);
      return `${dayText(trip.start_date)} – ${dayText(trip.end_date)}`;
    }
    if (trip.start_date) return `From ${dayText(trip.start_date)}`;
    if (trip.end_date) return `Until ${dayText(trip.end_date)}`;
    return "No dates yet";
  }

  function sortTrips(list) {
    return list.slice().sort((a, b) => {
      const byStatus = (TRIP_ORDER[a.status] ?? 3) - (TRIP_ORDER[b.status] ?? 3);
      if (byStatus) return byStatus;
      const da = a.start_date || "9999";
      const db = b.start_date || "9999";
      // Past trips newest first; the rest soonest first.
      if (a.status === "completed") return db.localeCompare(da) || b.id - a.id;
      return da.localeCompare(db) || a.id - b.id;
    });
  }

  function renderPicker() {
    picker.hidden = trips.length < 2;
    picker.replaceChildren(
      ...trips.map((trip) => {
        const li = el("li");
        const button = el("button", "trip-chip");
        button.type = "button";
        button.dataset.id = String(trip.id);
        button.dataset.status = trip.status;
        button.setAttribute("aria-pressed", String(trip.id === selectedId));
        button.append(el("span", "trip-chip__title", trip.title));
        const sub = el("span", "trip-chip__sub");
        sub.append(badge(TRIP_STATUS[trip.status] || trip.status, trip.status), tripDates(trip));
        button.append(sub);
        li.append(button);
        return li;
      }),
    );
  }

  picker.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-id]");
    if (!button) return;
    const id = Number(button.dataset.id);
    if (id === selectedId) return;
    selectedId = id;
    const url = new URL(location.href);
    url.searchParams.set("trip", String(id));
    history.replaceState(history.state, "", url);
    for (const node of picker.querySelectorAll("button[data-id]")) {
      node.setAttribute("aria-pressed", String(Number(node.dataset.id) === id));
    }
    renderTrip(trips.find((trip) => trip.id === id));
  });

  function stopItem(stop, index, count) {
    const li = el("li", "stop");
    li.dataset.position = String(stop.position);
    li.dataset.kind = stop.kind;
    const role = count > 1 && index === 0 ? "start" : count > 1 && index === count - 1 ? "end" : "via";
    li.dataset.role = role;

    const num = el("span", "stop__num", String(index + 1));
    num.setAttribute("aria-hidden", "true");

    const body = el("div", "stop__body");
    const name = el("p", "stop__name", stop.name);
    if (role !== "via") name.append(" ", el("span", "stop__role", role === "start" ? "Start" : "End"));
    body.append(name);

    const meta = el("p", "stop__meta");
    const kind = el("span", "kind", STOP_KIND[stop.kind] || stop.kind);
    kind.dataset.kind = stop.kind;
    meta.append(kind);
    const when = [];
    if (stop.arrive_on && stop.depart_on && stop.depart_on !== stop.arrive_on) {
      when.push(`${dayText(stop.arrive_on)} → ${dayText(stop.depart_on)}`);
    } else if (stop.arrive_on) {
      when.push(index === 0 && count > 1 ? `Leave ${dayText(stop.arrive_on)}` : `Arrive ${dayText(stop.arrive_on)}`);
    } else if (stop.depart_on) {
      when.push(`Leave ${dayText(stop.depart_on)}`);
    }
    const nights = stop.arrive_on && stop.depart_on ? Math.max(0, daysBetween(stop.arrive_on, stop.depart_on)) : 0;
    if (nights) when.push(plural(nights, "night"));
    if (when.length) meta.append(el("span", "stop__when", when.join(" · ")));
    body.append(meta);
    const price = Number(stop.price_per_night);
    if (stop.price_per_night != null && price > 0) {
      body.append(el("p", "stop__price", nights > 1 ? `${money(price)} a night · ${money(nights * price)}` : `${money(price)} a night`));
    }
    if (stop.notes) body.append(el("p", "stop__notes", stop.notes));

    li.append(num, body);
    if (tripMap) {
      const locate = el("button", "icon-btn stop__locate");
      locate.type = "button";
      locate.dataset.position = String(stop.position);
      locate.title = "Show on the map";
      locate.setAttribute("aria-label", `Show ${stop.name} on the map`);
      locate.append(svgIcon(ICON_PIN));
      li.append(locate);
    }
    return li;
  }

  stopList.addEventListener("click", (event) => {
    const button = event.target.closest("button.stop__locate");
    if (button && tripMap) {
      tripMap.focus(Number(button.dataset.position));
      byId("trip-map").scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  });

  function ensureMap() {
    if (tripMap !== undefined) return tripMap;
    try {
      tripMap = createTripMap(byId("trip-map"), {
        tileUrl: root.dataset.tileUrl || "",
        kindLabel: (kind) => STOP_KIND[kind] || kind,
        onNote: (text) => {
          mapNote.textContent = text;
          mapNote.hidden = !text;
        },
      });
    } catch (error) {
      console.error("PAM travel: the map could not be drawn", error);
      tripMap = null;
    }
    if (!tripMap) {
      byId("trip-map").hidden = true;
      mapNote.textContent = "The map couldn’t load; the stops are listed here.";
      mapNote.hidden = false;
      panel.classList.add("trip--no-map");
    } else if ("ResizeObserver" in window) {
      new ResizeObserver(debounce(() => tripMap.resize(), 100)).observe(byId("trip-map"));
    }
    return tripMap;
  }

  function renderTrip(trip) {
    if (!trip) return;
    panel.hidden = false;
    panel.dataset.id = String(trip.id);
    byId("trip-title").textContent = trip.title;
    const meta = byId("trip-meta");
    meta.replaceChildren(badge(TRIP_STATUS[trip.status] || trip.status, trip.status), tripDates(trip));
    const stops = (trip.stops || []).slice().sort((a, b) => a.position - b.position);
    meta.append(` · ${plural(stops.length, "stop")}`);
    // The API gives the vehicle's id; its name comes from the fuel section's vehicle list.
    const vehicle = typeof trip.vehicle === "number" ? vehicleNames.get(trip.vehicle) : trip.vehicle;
    if (vehicle && vehicleNames.size > 1) meta.append(` · ${vehicle}`);

    const map = ensureMap();
    // A refresh must not take keyboard focus away from the stop the user is on.
    const focused = stopList.contains(document.activeElement) ? document.activeElement.dataset.position : null;
    stopList.replaceChildren(...stops.map((stop, index) => stopItem(stop, index, stops.length)));
    if (focused != null) stopList.querySelector(`button[data-position="${focused}"]`)?.focus();
    const stopsState = byId("stops-state");
    if (!stops.length) showEmpty(stopsState, "No stops yet", chatHint(`Add a stop at Moab to ${trip.title}`));
    else stopsState.replaceChildren();
    if (map) map.show(stops);
    if (stops.length < 2) {
      // Nothing to drive yet: say what the estimate needs instead of a row of zeros.
      estimateGeneration += 1;
      estimateBox.dataset.id = String(trip.id);
      estimateBox.dataset.view = "empty";
      estimateBox.setAttribute("aria-busy", "false");
      byId("estimate-grid").replaceChildren(
        el("p", "estimate__empty", "Add at least two stops to see the distance, driving days and costs of this trip."),
      );
      byId("estimate-note").textContent = "";
    } else {
      loadEstimate(trip);
    }
  }

  function renderTrips(list) {
    trips = sortTrips(list);
    const box = stateBox(tripsCard);
    const open = trips.filter((trip) => trip.status !== "completed").length;
    byId("trips-meta").textContent = trips.length
      ? `${plural(open, "upcoming trip")}${trips.length > open ? ` · ${trips.length - open} completed` : ""}`
      : "";
    if (!trips.length) {
      setView(tripsCard, "empty");
      panel.hidden = true;
      picker.replaceChildren();
      showEmpty(box, "No trips planned yet", chatHint("Plan a trip from Denver to Moab next Friday"));
      return;
    }
    if (!trips.some((trip) => trip.id === selectedId)) selectedId = trips[0].id;
    setView(tripsCard, "ready");
    box.replaceChildren();
    renderPicker();
    renderTrip(trips.find((trip) => trip.id === selectedId));
  }

  async function loadTrips() {
    renderTrips(rowsOf(await api("trips/", { params: { page_size: 100 } })));
  }

  // The estimate: read from the trip's detail (distance, driving days, fuel and campground costs).
  function estimateItem(label, value, note, extra) {
    const item = el("div", "estimate__item");
    item.append(el("dt", null, label), el("dd", "estimate__value", value));
    const noteNode = el("dd", "estimate__sub");
    noteNode.append(...(Array.isArray(note) ? note : [note || ""]));
    item.append(noteNode);
    if (extra) item.append(extra);
    return item;
  }

  function renderEstimate(estimate) {
    const grid = byId("estimate-grid");
    const list = el("dl", "estimate__list");
    const hours = Number(estimate.driving_hours) || 0;
    list.append(
      estimateItem("Distance", distance(estimate.distance_miles), estimate.distance_source === "estimate" ? "Estimated road distance" : "By road"),
      estimateItem("Driving", plural(Number(estimate.driving_days) || 0, "day"), `About ${oneFormat.format(hours)} h at RV pace`),
    );
    const fuelNote = estimate.fuel_gallons != null
      ? `${volume(estimate.fuel_gallons)} at ${fuelPrice(estimate.fuel_price)}`
      : "Needs your vehicle’s MPG";
    list.append(
      estimateItem("Fuel", estimate.fuel_cost != null ? money(estimate.fuel_cost) : "—", fuelNote),
      estimateItem("Campgrounds", money(estimate.campground_cost), plural(Number(estimate.nights) || 0, "night")),
    );
    const total = Number(estimate.total_cost) || 0;
    const budget = estimate.budget != null ? Number(estimate.budget) : null;
    let totalNote = "No budget set";
    let meter = null;
    const totalItemState = budget == null ? "none" : estimate.over_budget ? "over" : "ok";
    if (budget != null) {
      totalNote = estimate.over_budget
        ? `${money(estimate.over_budget)} over the ${money(budget)} budget`
        : `${money(budget - total)} under the ${money(budget)} budget`;
      meter = el("div", "meter estimate__meter");
      const share = budget > 0 ? (total / budget) * 100 : 100;
      meter.setAttribute("role", "meter");
      meter.setAttribute("aria-valuemin", "0");
      meter.setAttribute("aria-valuemax", "100");
      meter.setAttribute("aria-valuenow", String(Math.round(Math.min(100, share))));
      meter.setAttribute("aria-label", "Estimated cost against the trip budget");
      meter.setAttribute("aria-valuetext", `${Math.round(share)}% of the budget`);
      const fill = el("span", "meter__fill");
      fill.style.width = `${Math.min(100, Math.max(0, share))}%`;
      meter.append(fill);
    }
    const totalItem = estimateItem("Total", money(total), totalNote, meter);
    totalItem.classList.add("estimate__item--total");
    totalItem.dataset.state = totalItemState;
    list.append(totalItem);
    grid.replaceChildren(list);

    const basis = [];
    if (estimate.mpg) basis.push(`${economy(estimate.mpg)} (${estimate.mpg_source === "measured" ? "measured" : "rated"})`);
    if (estimate.fuel_price) basis.push(`${fuelPrice(estimate.fuel_price)} (${estimate.fuel_price_source === "default" ? "typical price" : "your last fill-up"})`);
    byId("estimate-note").textContent = basis.length ? `Fuel at ${basis.join(" and ")}.` : "";
    estimateBox.dataset.view = "ready";
    estimateBox.setAttribute("aria-busy", "false");
  }

  async function loadEstimate(trip) {
    const mine = ++estimateGeneration;
    estimateBox.setAttribute("aria-busy", "true");
    if (estimateBox.dataset.id !== String(trip.id)) {
      estimateBox.dataset.id = String(trip.id);
      estimateBox.dataset.view = "loading";
      byId("estimate-grid").replaceChildren(
        ...[1, 2, 3, 4, 5].map(() => el("span", "skeleton estimate__skeleton")),
      );
      byId("estimate-note").textContent = "";
    }
    try {
      const detail = trip.estimate ? trip : await api(`trips/${trip.id}/`);
      if (mine !== estimateGeneration) return;
      if (detail.estimate) renderEstimate(detail.estimate);
      else throw new ApiError(200, null);
    } catch (error) {
      if (mine !== estimateGeneration) return;
      if (error instanceof ApiError && error.status === 404) {
        requestReload(["trips"]); // deleted meanwhile
        return;
      }
      console.error("PAM travel: loading the trip estimate failed", error);
      estimateBox.dataset.view = "error";
      estimateBox.setAttribute("aria-busy", "false");
      showFailed(byId("estimate-grid"), errorText(error, "work out this trip’s estimate"), () => loadEstimate(trip));
      byId("estimate-note").textContent = "";
    }
  }

  // --- Fuel ----------------------------------------------------------------------------------

  const fuelCard = byId("fuel");
  const charts = {};
  const ChartJS = window.Chart;
  let economyData = null;

  applyChartTheme(ChartJS);

  function vehicleLine(vehicle) {
    const line = byId("vehicle-line");
    if (!vehicle) {
      line.textContent = "No vehicle yet";
      return;
    }
    const made = [vehicle.year, vehicle.make, vehicle.model].filter(Boolean).join(" ");
    line.replaceChildren(el("span", "travel__vehicle", vehicle.name));
    if (made && made !== vehicle.name) line.append(el("span", "travel__model", ` · ${made}`));
    line.append(` · ${distance(vehicle.odometer_miles)} on the odometer`);
  }

  function miniStat(label, value, unit) {
    const item = el("div", "mini-stat");
    const dd = el("dd", "mini-stat__value", value);
    if (unit) dd.append(" ", el("small", null, unit));
    item.append(el("dt", "mini-stat__label", label), dd);
    return item;
  }

  function renderEconomyChart(report) {
    const segments = report.segments || [];
    const canvas = byId("chart-economy");
    const chartBox = canvas.parentElement;
    const emptyNote = byId("economy-empty");
    const details = byId("economy-details");
    if (!segments.length) {
      if (charts.economy) charts.economy.destroy();
      delete charts.economy;
      chartBox.hidden = true;
      details.hidden = true;
      // With fill-ups but no economy yet, say when it will come; with none, the card is empty.
      emptyNote.textContent = "Your fuel economy shows here after two full fill-ups.";
      emptyNote.hidden = !report.fill_ups;
      return;
    }
    chartBox.hidden = !ChartJS;
    details.hidden = false;
    emptyNote.hidden = true;
    const labels = segments.map((s) => dayText(s.end_date));
    const values = segments.map((s) => economyValue(s.mpg));
    const rated = economyValue(report.rated_mpg);
    const accent = cssVar("--accent");
    const datasets = [
      {
        label: units.economy,
        data: values,
        borderColor: accent,
        backgroundColor: accent,
        borderWidth: 2.5,
        pointRadius: 4,
        pointHoverRadius: 6,
        tension: 0.25,
      },
    ];
    if (rated) {
      datasets.push({
        label: `Rated ${units.economy}`,
        data: segments.map(() => rated),
        borderColor: cssVar("--muted"),
        backgroundColor: cssVar("--muted"),
        borderDash: [6, 5],
        borderWidth: 1.5,
        pointRadius: 0,
        pointHoverRadius: 0,
      });
    }
    const all = values.concat(rated ? [rated] : []);
    canvas.setAttribute(
      "aria-label",
      `Fuel economy per fill-up: ${segments.map((s, i) => `${labels[i]} ${economy(s.mpg)}`).join(", ")}${rated ? `; rated ${economy(report.rated_mpg)}` : ""}`,
    );
    if (ChartJS) {
      if (charts.economy) charts.economy.destroy();
      charts.economy = new ChartJS(canvas, {
        type: "line",
        data: { labels, datasets },
        options: {
          responsive: true,
          maintainAspectRatio: false,
          interaction: { mode: "index", intersect: false },
          scales: {
            x: { grid: { display: false } },
            y: {
              suggestedMin: Math.floor(Math.min(...all) * 0.85),
              suggestedMax: Math.ceil(Math.max(...all) * 1.1),
              ticks: { maxTicksLimit: 5 },
              title: { display: true, text: units.economy },
            },
          },
          plugins: {
            legend: { position: "bottom", labels: { boxWidth: 18, boxHeight: 2, usePointStyle: false } },
            tooltip: {
              callbacks: {
                label: (item) => `${item.dataset.label}: ${oneFormat.format(item.parsed.y)}`,
                afterBody: (items) => {
                  const s = segments[items[0].dataIndex];
                  return s ? `${distance(s.miles)} on ${volume(s.gallons)}` : "";
                },
              },
            },
          },
        },
      });
    }
    byId("economy-table").tBodies[0].replaceChildren(
      ...segments
        .slice()
        .reverse()
        .map((s) => {
          const tr = el("tr");
          const th = el("th", null, dayText(s.end_date));
          th.setAttribute("scope", "row");
          tr.append(
            th,
            el("td", "num", wholeFormat.format(distanceValue(s.miles))),
            el("td", "num", oneFormat.format(volumeValue(s.gallons))),
            el("td", "num", oneFormat.format(economyValue(s.mpg))),
          );
          return tr;
        }),
    );
  }

  function renderFills(fills) {
    byId("fill-rows").replaceChildren(
      ...fills.map((fill) => {
        const tr = el("tr");
        tr.dataset.id = String(fill.id);
        tr.dataset.odometer = String(fill.odometer_miles);
        const date = el("th", "fills__date");
        date.setAttribute("scope", "row");
        const time = el("time", null, dayText(fill.date));
        time.dateTime = fill.date;
        date.append(time);
        // On narrow screens the price column folds into this line.
        const sub = el("span", "fills__sub", fill.station || "");
        sub.append(el("span", "fills__price-inline", `${fill.station ? " · " : ""}${fuelPrice(fill.price_per_gallon)}`));
        date.append(sub);
        const gallons = el("td", "num", oneFormat.format(volumeValue(fill.volume_gallons)));
        if (!fill.is_full) gallons.append(" ", el("span", "tag", "partial"));
        if (fill.missed_previous) gallons.append(" ", el("span", "tag", "after a missed one"));
        tr.append(
          date,
          gallons,
          el("td", "num fills__price", pricePerVolume(fill.price_per_gallon)),
          el("td", "num fills__total", money(fill.total_cost)),
          el("td", "num fills__odo", distance(fill.odometer_miles)),
        );
        return tr;
      }),
    );
  }

  function renderFuel(vehicle, report, fills) {
    economyData = report;
    const box = stateBox(fuelCard);
    byId("fuel-meta").textContent = `${vehicle.name}${report.fill_ups ? ` · ${plural(report.fill_ups, "fill-up")}` : ""}`;
    if (!report.fill_ups && !fills.length) {
      setView(fuelCard, "empty");
      byId("fuel-stats").replaceChildren();
      renderEconomyChart(report);
      showEmpty(box, "No fill-ups logged yet", chatHint("Filled up 30 gallons at $3.89, odometer 45,210"));
      return;
    }
    setView(fuelCard, "ready");
    box.replaceChildren();
    byId("fuel-stats").replaceChildren(
      miniStat("Average", report.average_mpg ? oneFormat.format(economyValue(report.average_mpg)) : "—", units.economy),
      miniStat("Latest", report.last_mpg ? oneFormat.format(economyValue(report.last_mpg)) : "—", units.economy),
      miniStat("Rated", report.rated_mpg ? oneFormat.format(economyValue(report.rated_mpg)) : "—", units.economy),
      miniStat("Fuel cost", report.cost_per_mile != null ? costPerDistance(Number(report.cost_per_mile)) : "—"),
    );
    renderEconomyChart(report);
    renderFills(fills);
  }

  async function loadFuel() {
    const vehicles = rowsOf(await api("vehicles/", { params: { page_size: 100 } }));
    const vehicle = vehicles.find((v) => v.is_primary) || vehicles[0];
    vehicleNames = new Map(vehicles.map((v) => [v.id, v.name]));
    vehicleLine(vehicle);
    if (!vehicle) {
      setView(fuelCard, "empty");
      byId("fuel-meta").textContent = "";
      byId("fuel-stats").replaceChildren();
      if (charts.economy) charts.economy.destroy();
      delete charts.economy;
      showEmpty(stateBox(fuelCard), "No vehicle yet", chatHint("Add my 2019 Winnebago View, 14 mpg, odometer 45,000"));
      return;
    }
    const [report, fills] = await Promise.all([
      api(`vehicles/${vehicle.id}/fuel-economy/`, { params: { recent: ECONOMY_SEGMENTS } }),
      api("fuel-logs/", { params: { vehicle: vehicle.id, page_size: RECENT_FILLS } }),
    ]);
    const rows = rowsOf(fills)
      .slice()
      .sort((a, b) => b.odometer_miles - a.odometer_miles || b.date.localeCompare(a.date))
      .slice(0, RECENT_FILLS);
    renderFuel(vehicle, report, rows);
  }

  // --- Maintenance ---------------------------------------------------------------------------

  const maintenanceCard = byId("maintenance");

  function dueFacts(item) {
    const facts = [];
    if (item.miles_left != null) {
      const at = item.due_odometer != null ? ` (at ${distance(item.due_odometer)})` : "";
      if (item.miles_left < 0) facts.push(`${distance(-item.miles_left)} overdue${at}`);
      else if (item.miles_left === 0) facts.push(`Due now${at}`);
      else facts.push(`${distance(item.miles_left)} left${at}`);
    }
    if (item.days_left != null) {
      const on = item.due_on ? ` (${dayText(item.due_on)})` : "";
      if (item.days_left < 0) facts.push(`${plural(-item.days_left, "day")} overdue${on}`);
      else if (item.days_left === 0) facts.push("Due today");
      else facts.push(`${plural(item.days_left, "day")} left${on}`);
    }
    return facts;
  }

  /** How much of the interval is used, 0–100, by whichever of miles or days is further along. */
  function dueShare(item) {
    const shares = [];
    if (item.interval_miles && item.miles_left != null) shares.push(1 - item.miles_left / item.interval_miles);
    if (item.interval_days && item.days_left != null) shares.push(1 - item.days_left / item.interval_days);
    return shares.length ? Math.min(100, Math.max(0, Math.max(...shares) * 100)) : 0;
  }

  function renderMaintenance(items) {
    const list = byId("due-list");
    const box = stateBox(maintenanceCard);
    if (!items.length) {
      setView(maintenanceCard, "empty");
      list.replaceChildren();
      byId("maintenance-meta").textContent = "";
      showEmpty(box, "No maintenance tracked yet", chatHint("Remind me to change the oil every 5,000 miles or 6 months"));
      return;
    }
    setView(maintenanceCard, "ready");
    box.replaceChildren();
    const overdue = items.filter((item) => item.state === "overdue").length;
    const soon = items.filter((item) => item.state === "due_soon").length;
    const meta = [];
    if (overdue) meta.push(`${overdue} overdue`);
    if (soon) meta.push(`${soon} due soon`);
    byId("maintenance-meta").textContent = meta.length ? meta.join(" · ") : "All up to date";
    // The API names the vehicle in vehicle_name (vehicle is its id); the selector in vehicle.
    const vehicleName = (item) => item.vehicle_name || (typeof item.vehicle === "string" ? item.vehicle : "");
    const vehicles = new Set(items.map(vehicleName));
    list.replaceChildren(
      ...items.map((item) => {
        const li = el("li", "due");
        li.dataset.state = item.state;
        li.dataset.id = String(item.id);
        const top = el("div", "due__top");
        const name = el("span", "due__task", item.task);
        if (vehicles.size > 1 && vehicleName(item)) name.append(el("span", "due__vehicle", ` · ${vehicleName(item)}`));
        top.append(name, badge(DUE_STATE[item.state] || item.state, item.state));
        const meter = el("div", "meter due__meter");
        meter.setAttribute("aria-hidden", "true");
        const fill = el("span", "meter__fill");
        fill.style.width = `${dueShare(item)}%`;
        meter.append(fill);
        const facts = el("p", "due__facts");
        facts.append(...dueFacts(item).flatMap((fact, i) => (i ? [el("span", "due__sep", " · "), fact] : [fact])));
        const every = [];
        if (item.interval_miles) every.push(distance(item.interval_miles));
        if (item.interval_days) every.push(plural(item.interval_days, "day"));
        const interval = el("p", "due__every", every.length ? `Every ${every.join(" or ")}` : "");
        li.append(top, meter, facts, interval);
        return li;
      }),
    );
  }

  async function loadMaintenance() {
    renderMaintenance(rowsOf(await api("maintenance-items/due/")));
  }

  // --- Calendar ------------------------------------------------------------------------------

  const calendarCard = byId("calendar");
  const zoned = (options) => new Intl.DateTimeFormat(undefined, { timeZone, ...options });
  const eventDay = zoned({ weekday: "short", month: "short", day: "numeric" });
  const eventWeekday = zoned({ weekday: "short" });
  const eventDate = zoned({ day: "numeric" });
  const eventMonth = zoned({ month: "short" });
  const eventTime = zoned({ hour: "numeric", minute: "2-digit" });
  const dayKey = zoned({ year: "numeric", month: "2-digit", day: "2-digit" }); // a stable key per local day

  function zoneName() {
    for (const style of ["longGeneric", "long"]) {
      try {
        const part = zoned({ timeZoneName: style }).formatToParts(new Date()).find((p) => p.type === "timeZoneName");
        if (part) return part.value;
      } catch {
        // older engines lack the generic names
      }
    }
    return timeZone || "";
  }

  /** ``[day, rest]``: "Today" / "Tomorrow" / "Thu, Nov 26" and the times, in the user's zone. */
  function whenParts(event, start, end) {
    const today = dayKey.format(new Date());
    const tomorrow = dayKey.format(new Date(Date.now() + DAY_MS));
    const key = dayKey.format(start);
    const day = key === today ? "Today" : key === tomorrow ? "Tomorrow" : eventDay.format(start);
    if (event.all_day) {
      // An all-day event ends at the midnight after its last day.
      const last = end ? new Date(end.getTime() - 1) : start;
      if (dayKey.format(last) !== key) return [day, `until ${eventDay.format(last)}, all day`];
      return [day, "all day"];
    }
    if (!end || end.getTime() === start.getTime()) return [day, eventTime.format(start)];
    if (dayKey.format(end) === key) return [day, `${eventTime.format(start)} – ${eventTime.format(end)}`];
    return [day, `${eventTime.format(start)} – ${eventDay.format(end)} ${eventTime.format(end)}`];
  }

  function renderCalendar(events) {
    const list = byId("event-list");
    const box = stateBox(calendarCard);
    byId("calendar-meta").textContent = zoneName() ? `Times in ${zoneName()}` : "";
    if (!events.length) {
      setView(calendarCard, "empty");
      list.replaceChildren();
      showEmpty(box, "Nothing on your calendar", chatHint("Add a dentist appointment next Tuesday at 2pm"));
      return;
    }
    setView(calendarCard, "ready");
    box.replaceChildren();
    list.replaceChildren(
      ...events.map((event) => {
        const start = new Date(event.starts_at);
        const end = event.ends_at ? new Date(event.ends_at) : null;
        const li = el("li", "event");
        li.dataset.id = String(event.id);
        li.dataset.kind = event.kind;
        const date = el("div", "event__date");
        date.setAttribute("aria-hidden", "true");
        date.append(
          el("span", "event__weekday", eventWeekday.format(start)),
          el("span", "event__day", eventDate.format(start)),
          el("span", "event__month", eventMonth.format(start)),
        );
        const body = el("div", "event__body");
        body.append(el("p", "event__title", event.title));
        const [day, rest] = whenParts(event, start, end);
        const when = el("time", "event__when");
        when.dateTime = event.starts_at;
        // The date box says the day already; the words are for screen readers, and for
        // "Today" and "Tomorrow", which the box does not say.
        const dayNode = el("span", /^(Today|Tomorrow)$/.test(day) ? "event__relative" : "visually-hidden", `${day} · `);
        when.append(dayNode, rest);
        const meta = el("p", "event__meta");
        meta.append(when);
        body.append(meta);
        const more = el("p", "event__more");
        const kind = el("span", "kind", EVENT_KIND[event.kind] || event.kind);
        kind.dataset.kind = event.kind;
        more.append(kind);
        if (event.location) {
          const where = el("span", "event__location");
          where.append(svgIcon(ICON_PIN), event.location);
          more.append(where);
        }
        body.append(more);
        li.append(date, body);
        return li;
      }),
    );
  }

  async function loadCalendar() {
    const start = new Date();
    const end = new Date(start.getTime() + CALENDAR_DAYS * DAY_MS);
    const data = await api("calendar-events/", { params: { start: start.toISOString(), end: end.toISOString(), page_size: 100 } });
    renderCalendar(rowsOf(data));
  }

  // --- Loading -------------------------------------------------------------------------------

  const SECTIONS = {
    trips: { load: loadTrips, cards: [tripsCard], what: "load your trips" },
    fuel: { load: loadFuel, cards: [fuelCard], what: "load your fuel economy" },
    maintenance: { load: loadMaintenance, cards: [maintenanceCard], what: "load your maintenance" },
    calendar: { load: loadCalendar, cards: [calendarCard], what: "load your calendar" },
  };
  const reload = sectionLoader({
    sections: SECTIONS,
    stateBox,
    errorText,
    label: "PAM travel",
    afterFailure: (name) => {
      // Only when the card shows the error (a failed refresh keeps what is on screen).
      if (SECTIONS[name].cards[0].dataset.view !== "error") return;
      if (name === "trips") panel.hidden = true;
      if (name === "fuel") byId("vehicle-line").textContent = "";
    },
  });
  // Pushes arrive in bursts (one fill-up sends several); gather them for a moment.
  const requestReload = reloadQueue(reload);

  // Re-draw the chart with the other palette when the system switches between light and dark.
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    applyChartTheme(ChartJS);
    if (economyData) renderEconomyChart(economyData);
  });

  // --- Start ---------------------------------------------------------------------------------

  if (!ChartJS) console.error("PAM travel: Chart.js did not load; showing the economy as a table.");
  if (!ChartJS) byId("economy-details").open = true;
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
    document.body.dataset.travelReady = "1";
  });
}
