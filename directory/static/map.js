/* Signpost maps: draws each [data-map] element with Leaflet from its JSON data block.
 *
 * The map only adds to the page: the results list (or the venue addresses) is the content. Without
 * JavaScript, or if Leaflet did not load, the map element stays hidden and nothing else changes.
 * If the tiles cannot load, the markers still show on a plain background with a note saying so.
 * Names from the data are only ever set as text, never as HTML.
 */
(function () {
  "use strict";

  var MARKER = 30; // marker diameter in pixels (CSS .map-marker agrees)
  var GAP = 34; // closest two marker centres may be, so each stays a whole target

  function init() {
    var elements = document.querySelectorAll("[data-map]");
    if (!elements.length || !window.L || typeof window.L.map !== "function") {
      return;
    }
    Array.prototype.forEach.call(elements, function (element) {
      var data = readData(element);
      if (!data || !data.markers || !data.markers.length) {
        return;
      }
      try {
        draw(element, data);
      } catch (error) {
        element.hidden = true;
        element.classList.remove("map-ready");
        if (window.console) {
          window.console.error("Signpost map not drawn:", error);
        }
      }
    });
  }

  function readData(element) {
    var block = document.getElementById(element.getAttribute("data-map-data") || "");
    if (!block) {
      return null;
    }
    try {
      return JSON.parse(block.textContent);
    } catch (error) {
      return null;
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function draw(element, data) {
    var L = window.L;
    // Leaflet measures the element, so it must be visible first.
    element.hidden = false;
    element.classList.add("map-ready");
    var map = L.map(element, { scrollWheelZoom: false, zoomSnap: 0.5 });
    map.attributionControl.setPrefix(false);
    var end = addSkipLink(element);
    if (data.place) {
      end.parentNode.insertBefore(key(data.place), end);
    }

    var tiles = L.tileLayer(element.getAttribute("data-tiles-url"), {
      attribution: element.getAttribute("data-attribution") || "",
      maxZoom: 19,
    });
    tiles.once("tileerror", function () {
      element.classList.add("map-no-tiles");
      end.parentNode.insertBefore(el("p", "map-note small",
        "The map background could not load. The markers still show where each place is" +
        (data.place ? ", and the list below has everything." : ".")), end);
    });
    tiles.addTo(map);

    // The view comes first: Leaflet creates marker elements only once the map has one.
    var points = data.markers.map(function (item) {
      return L.latLng(item.lat, item.lng);
    });
    var fixed = data.place ? [L.latLng(data.place.lat, data.place.lng)] : [];
    points = points.concat(fixed);
    if (points.length === 1) {
      map.setView(points[0], 15);
    } else {
      // Room for the zoom buttons top left, so no marker sits under them.
      map.fitBounds(L.latLngBounds(points), { paddingTopLeft: [64, 48], paddingBottomRight: [40, 56], maxZoom: 16 });
    }

    if (data.place) {
      addPlace(map, data.place);
    }
    var fromKeyboard = false;
    var markers = data.markers.map(function (item) {
      return addMarker(map, item, function () {
        fromKeyboard = true;
      });
    });
    declutter(map, markers, fixed);
    map.on("zoomend", function () {
      declutter(map, markers, fixed);
    });

    // A popup opened from the keyboard takes the focus to its link; closing it gives the focus back.
    map.on("popupopen", function (event) {
      var link = event.popup.getElement().querySelector(".map-popup a");
      if (fromKeyboard && link) {
        link.focus();
      }
      fromKeyboard = false;
    });
    map.on("popupclose", function (event) {
      var source = event.popup._source;
      if (event.popup.getElement().contains(document.activeElement) && source && source.getElement()) {
        source.getElement().focus();
      }
    });
    element.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        map.closePopup();
      }
    });
  }

  function key(place) {
    var text = el("p", "map-key small");
    text.appendChild(el("span", "map-key-place"));
    text.appendChild(document.createTextNode(
      place.label + ": where you searched" + (place.radius_km ? " (dashed line: " + place.radius_km + " km)" : "") + ". "));
    text.appendChild(el("span", "map-key-result"));
    text.appendChild(document.createTextNode("Numbers: the results below."));
    return text;
  }

  function addPlace(map, place) {
    var L = window.L;
    var point = L.latLng(place.lat, place.lng);
    if (place.radius_km) {
      L.circle(point, {
        radius: place.radius_km * 1000,
        color: "#0b4f6c",
        weight: 2,
        dashArray: "6 6",
        fill: false,
        interactive: false,
      }).addTo(map);
    }
    var label = "You searched near " + place.label;
    var marker = L.marker(point, {
      icon: L.divIcon({ className: "map-place", iconSize: [24, 24], iconAnchor: [12, 12] }),
      keyboard: false,
      interactive: false,
      title: label,
      zIndexOffset: -1000,
    }).addTo(map);
    marker.getElement().setAttribute("role", "img");
    marker.getElement().setAttribute("aria-label", label);
  }

  function addMarker(map, item, onKeyboardOpen) {
    var L = window.L;
    var number = item.number ? String(parseInt(item.number, 10)) : "";
    var label = (number ? number + ". " : "") + item.name + (item.venue ? (number ? ", at " : ", ") + item.venue : "");
    var marker = L.marker(L.latLng(item.lat, item.lng), {
      icon: L.divIcon({
        className: "map-marker",
        html: el("span", "", number),
        iconSize: [MARKER, MARKER],
        iconAnchor: [MARKER / 2, MARKER / 2],
        popupAnchor: [0, -MARKER / 2],
      }),
      title: label,
      riseOnHover: true,
    }).addTo(map);
    marker.getElement().setAttribute("aria-label", label + " (show details)");
    marker.bindPopup(popupContent(item, number));
    // role="button" promises Enter and Space; handled here so both behave the same.
    marker.getElement().addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        onKeyboardOpen();
        marker.togglePopup();
      }
    });
    return marker;
  }

  function popupContent(item, number) {
    var box = el("div", "map-popup");
    var title = el("p", "map-popup-title");
    var name = (number ? number + ". " : "") + item.name;
    if (item.url) {
      var link = el("a", "", name);
      link.href = item.url;
      title.appendChild(link);
    } else {
      title.textContent = name;
    }
    box.appendChild(title);
    var details = [item.venue, item.where].filter(Boolean).join(" · ");
    if (details) {
      box.appendChild(el("p", "", details));
    }
    return box;
  }

  // Services at one venue, or at venues close together, would hide one another: nudge overlapping
  // markers apart (and off the searched place) on screen, each staying close to its point.
  function declutter(map, markers, fixed) {
    var L = window.L;
    var base = markers.map(function (marker) {
      return map.latLngToLayerPoint(marker.getLatLng());
    });
    var at = base.map(function (point) {
      return L.point(point.x, point.y);
    });
    var obstacles = fixed.map(function (latLng) {
      return map.latLngToLayerPoint(latLng);
    });
    for (var round = 0; round < 60; round += 1) {
      var moved = false;
      for (var i = 0; i < at.length; i += 1) {
        for (var j = i + 1; j < at.length; j += 1) {
          moved = separate(at[i], at[j], (2 * Math.PI * j) / at.length, false) || moved;
        }
        for (var k = 0; k < obstacles.length; k += 1) {
          moved = separate(obstacles[k], at[i], (2 * Math.PI * i) / at.length, true) || moved;
        }
      }
      if (!moved) {
        break;
      }
    }
    markers.forEach(function (marker, index) {
      var element = marker.getElement();
      if (element) {
        element.style.marginLeft = Math.round(at[index].x - base[index].x - MARKER / 2) + "px";
        element.style.marginTop = Math.round(at[index].y - base[index].y - MARKER / 2) + "px";
      }
    });
  }

  // Push a and b at least GAP pixels apart (only b when a is fixed); true if anything moved.
  function separate(a, b, angle, aIsFixed) {
    var dx = b.x - a.x;
    var dy = b.y - a.y;
    var distance = Math.sqrt(dx * dx + dy * dy);
    if (distance >= GAP - 0.5) {
      return false;
    }
    if (distance < 0.01) {
      dx = Math.cos(angle);
      dy = Math.sin(angle);
      distance = 1;
    }
    var push = (GAP - distance) / distance / (aIsFixed ? 1 : 2);
    b.x += dx * push;
    b.y += dy * push;
    if (!aIsFixed) {
      a.x -= dx * push;
      a.y -= dy * push;
    }
    return true;
  }

  // The map holds a stop for every marker: a link before it lets keyboard users go straight past.
  // Returns the element just after the map, where the key and any note go.
  function addSkipLink(element) {
    var end = el("span", "map-end");
    end.id = element.id + "-end";
    end.tabIndex = -1;
    var next = element.nextElementSibling;
    while (next && next.tagName === "SCRIPT") {
      next = next.nextElementSibling;
    }
    element.parentNode.insertBefore(end, next);
    var skip = el("a", "map-skip", "Skip the map");
    skip.href = "#" + end.id;
    element.parentNode.insertBefore(skip, element);
    return end;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
