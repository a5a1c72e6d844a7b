// The trip map on the travel page: a trip's stops as numbered markers joined by its route, drawn
// with the vendored Leaflet (window.L, static/vendor/leaflet/). Map tiles come from the
// PAM_MAP_TILE_URL setting; with none, or when they fail to load (offline), the stops and the
// route are drawn on a plain background, fitted to their bounds. The stops list beside the map
// never depends on it: createTripMap returns null when Leaflet is missing.

const FIT_PADDING = [36, 36];
const FIT_MAX_ZOOM = 11;
const SINGLE_STOP_ZOOM = 9;
const NORTH_AMERICA = { center: [44, -100], zoom: 3 };
const MARKER_SIZE = 30;

/** Who to credit for the tiles: OpenStreetMap's licence asks for this wording; else the host. */
function tileAttribution(url) {
  if (/openstreetmap/i.test(url)) {
    return '© <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';
  }
  try {
    const host = new URL(url.replace(/\{[^}]+\}/g, "0")).host;
    return host ? `Map tiles: ${host}` : "";
  } catch {
    return "";
  }
}

/**
 * A Leaflet map in ``container``, or null when Leaflet did not load.
 * ``onNote(text | "")`` is told when the map has something to say (tiles failed, no stops).
 * Returns ``{show(stops), focus(position), resize()}``; stops are the API's
 * ``[{position, name, latitude, longitude, kind}]`` in order.
 */
export function createTripMap(container, { tileUrl = "", onNote = () => {}, kindLabel = (kind) => kind } = {}) {
  const L = window.L;
  if (!L || !container) return null;

  const map = L.map(container, {
    zoomControl: true,
    attributionControl: true,
    scrollWheelZoom: false, // the page scrolls past the map; zoom with the buttons, keys or a pinch
    worldCopyJump: true,
    zoomSnap: 0.25,
  });
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" title="A JavaScript library for interactive maps">Leaflet</a>');
  map.setView(NORTH_AMERICA.center, NORTH_AMERICA.zoom);
  // Wheel zoom only once the user has chosen the map (a click or keyboard focus on it).
  map.on("focus click", () => map.scrollWheelZoom.enable());
  map.on("blur mouseout", () => map.scrollWheelZoom.disable());

  let tilesLoaded = 0;
  let tileErrors = 0;
  let stopCount = 0;
  container.classList.toggle("trip-map--plain", !tileUrl);

  function note() {
    if (!stopCount) {
      onNote("This trip has no stops with a location yet.");
    } else if (tileUrl && tileErrors && !tilesLoaded) {
      onNote("The map tiles couldn’t load, so the route is drawn on a plain map.");
    } else {
      onNote("");
    }
  }

  if (tileUrl) {
    const tiles = L.tileLayer(tileUrl, { maxZoom: 19, attribution: tileAttribution(tileUrl), crossOrigin: true });
    tiles.on("tileload", () => {
      tilesLoaded += 1;
      container.classList.remove("trip-map--plain");
      note();
    });
    tiles.on("tileerror", () => {
      tileErrors += 1;
      if (!tilesLoaded) container.classList.add("trip-map--plain");
      note();
    });
    tiles.addTo(map);
  }

  const layer = L.layerGroup().addTo(map);
  let markers = new Map(); // position -> marker
  let fitted = null;
  let drawn = null; // what is on the map now, so an unchanged refresh keeps the user's view

  function markerFor(stop, index, count) {
    const role = count > 1 && index === 0 ? "start" : count > 1 && index === count - 1 ? "end" : "via";
    const icon = L.divIcon({
      className: `stop-marker stop-marker--${role}`,
      html: `<span>${index + 1}</span>`,
      iconSize: [MARKER_SIZE, MARKER_SIZE],
      iconAnchor: [MARKER_SIZE / 2, MARKER_SIZE / 2],
      tooltipAnchor: [0, -MARKER_SIZE / 2],
    });
    const label = `${index + 1}. ${stop.name}`;
    const marker = L.marker([stop.latitude, stop.longitude], { icon, title: label, alt: label, keyboard: true, riseOnHover: true });
    // Leaflet puts a string tooltip in as HTML; a stop's name is the user's text, so give it a node.
    const tooltip = document.createElement("span");
    tooltip.textContent = `${label} · ${kindLabel(stop.kind)}`;
    marker.bindTooltip(tooltip, { direction: "top", className: "stop-tooltip" });
    return marker;
  }

  function fit() {
    if (!fitted) {
      map.setView(NORTH_AMERICA.center, NORTH_AMERICA.zoom);
    } else if (fitted.single) {
      map.setView(fitted.single, SINGLE_STOP_ZOOM);
    } else {
      map.fitBounds(fitted.bounds, { padding: FIT_PADDING, maxZoom: FIT_MAX_ZOOM });
    }
  }

  return {
    show(stops) {
      const located = (stops || [])
        .map((s) => ({ ...s, latitude: Number(s.latitude), longitude: Number(s.longitude) }))
        .filter((s) => Number.isFinite(s.latitude) && Number.isFinite(s.longitude) && !(s.latitude === 0 && s.longitude === 0));
      const key = JSON.stringify(located.map((s) => [s.position, s.name, s.kind, s.latitude, s.longitude]));
      if (key === drawn) return;
      drawn = key;
      layer.clearLayers();
      markers = new Map();
      stopCount = located.length;
      const points = located.map((s) => [s.latitude, s.longitude]);
      if (points.length > 1) {
        L.polyline(points, { className: "trip-route", weight: 4, opacity: 0.9, lineJoin: "round", interactive: false }).addTo(layer);
      }
      located.forEach((stop, index) => {
        const marker = markerFor(stop, index, located.length).addTo(layer);
        markers.set(stop.position, marker);
      });
      fitted = points.length === 0 ? null : points.length === 1 ? { single: points[0] } : { bounds: L.latLngBounds(points) };
      map.invalidateSize();
      fit();
      note();
    },

    /** Centre the map on one stop and show its label. */
    focus(position) {
      const marker = markers.get(position);
      if (!marker) return;
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), SINGLE_STOP_ZOOM - 1));
      marker.openTooltip();
    },

    /** The container changed size (a layout change): redraw, keeping the stops in view. */
    resize() {
      map.invalidateSize();
      fit();
    },
  };
}
