/* A map of the search results: an optional visual extra.
 *
 * The results list carries everything; this only draws it. The map container
 * is rendered `hidden`, so without JavaScript (or if Leaflet fails to load)
 * nothing shows. Markers are kept out of the tab order (the list already has
 * every link), and several results in one postcode sector share one marker
 * because their positions are the sector's centre.
 */
(function () {
  "use strict";

  var wrapper = document.getElementById("results-map-wrapper");
  var canvas = document.getElementById("results-map");
  var dataElement = document.getElementById("results-map-data");
  if (!wrapper || !canvas || !dataElement || typeof window.L === "undefined") {
    return;
  }
  var data = JSON.parse(dataElement.textContent);
  if (!data.results || !data.results.length) {
    return;
  }

  // Show the container first: Leaflet needs its size to lay out tiles.
  wrapper.hidden = false;
  var layout = document.getElementById("results-layout");
  if (layout) {
    layout.classList.add("results-layout--with-map");
  }

  var map = L.map(canvas, { keyboard: false, scrollWheelZoom: false });
  map.attributionControl.setPrefix(false);
  L.tileLayer(data.tileUrl, {
    attribution: data.attribution,
    maxZoom: 18,
    // The site sends no Referer cross-origin; OpenStreetMap's tile policy needs one.
    referrerPolicy: "strict-origin-when-cross-origin"
  }).addTo(map);

  function popupFor(group) {
    var box = document.createElement("div");
    box.className = "results-map__popup";
    group.forEach(function (result) {
      var line = document.createElement("p");
      var link = document.createElement("a");
      link.href = result.url;
      link.textContent = result.name;
      line.appendChild(link);
      if (result.distance) {
        line.appendChild(document.createElement("br"));
        line.appendChild(document.createTextNode(result.distance));
      }
      box.appendChild(line);
    });
    return box;
  }

  var groups = {};
  var order = [];
  data.results.forEach(function (result) {
    var key = result.lat.toFixed(5) + "," + result.lng.toFixed(5);
    if (!groups[key]) {
      groups[key] = [];
      order.push(key);
    }
    groups[key].push(result);
  });

  var bounds = [];
  order.forEach(function (key) {
    var group = groups[key];
    var point = [group[0].lat, group[0].lng];
    var names = group.map(function (result) { return result.name; }).join(", ");
    L.marker(point, { keyboard: false, title: names, alt: names })
      .bindPopup(popupFor(group))
      .addTo(map);
    bounds.push(point);
  });

  if (data.origin) {
    var origin = [data.origin.lat, data.origin.lng];
    L.circleMarker(origin, {
      radius: 7, color: "#0b0c0c", weight: 3, fillColor: "#ffdd00", fillOpacity: 1, interactive: false
    }).addTo(map);
    bounds.push(origin);
  }

  // Extra room at the top: a marker is drawn above its point.
  map.fitBounds(bounds, { paddingTopLeft: [30, 50], paddingBottomRight: [30, 20], maxZoom: 14 });
})();
