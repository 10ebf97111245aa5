// katapp charts: draws every <script type="application/json" data-chart="ID"> into the element #ID
// with Plotly (figures are built on the server by katapp/charts.py). plotly.js (the URL in this
// script tag's data-plotly) is loaded only when a chart comes near the screen, and each chart is
// drawn when it does: a phone parses 1.5 MB of JavaScript only for charts someone looks at, and
// the summary above the charts is ready at once.
// Light or dark colours follow prefers-color-scheme; the layout stays responsive; tapping a point
// shows its label.
(function () {
  "use strict";
  var self = document.currentScript;
  var plotlyUrl = self && self.getAttribute("data-plotly");
  var plotlyLoading = null;

  function loadPlotly() {
    if (window.Plotly) { return Promise.resolve(window.Plotly); }
    if (!plotlyLoading) {
      plotlyLoading = new Promise(function (resolve, reject) {
        if (!plotlyUrl) { reject(new Error("no plotly.js")); return; }
        var script = document.createElement("script");
        script.src = plotlyUrl;
        script.onload = function () { window.Plotly ? resolve(window.Plotly) : reject(new Error("no Plotly")); };
        script.onerror = function () { reject(new Error("plotly.js failed to load")); };
        document.head.appendChild(script);
      });
    }
    return plotlyLoading;
  }
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)");

  function theme() {
    var isDark = dark && dark.matches;
    return {
      text: isDark ? "#e9efed" : "#1d2424",
      grid: isDark ? "#2d3b38" : "#e2e6e4",
      line: isDark ? "#5d6f6b" : "#9aa5a2",
      hoverBg: isDark ? "#17211f" : "#ffffff"
    };
  }

  function styled(layout, narrow) {
    var t = theme();
    var out = JSON.parse(JSON.stringify(layout || {}));
    out.paper_bgcolor = "rgba(0,0,0,0)";
    out.plot_bgcolor = "rgba(0,0,0,0)";
    out.font = { color: t.text, family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 13 };
    out.hoverlabel = { bgcolor: t.hoverBg, bordercolor: t.line, font: { color: t.text } };
    out.autosize = true;
    delete out.width;
    Object.keys(out).forEach(function (key) {
      if (/^[xy]axis\d*$/.test(key)) {
        out[key].gridcolor = t.grid;
        out[key].linecolor = t.line;
        out[key].zerolinecolor = t.line;
      }
    });
    if (out.legend) {
      out.legend.font = { color: t.text };
      // On a phone, two legend entries a row instead of one tall column.
      if (narrow && out.legend.orientation === "h") {
        out.legend.entrywidth = 0.5;
        out.legend.entrywidthmode = "fraction";
      }
    }
    return out;
  }

  // Heatmaps: in dark mode the scale runs from the dark background to bright, so "more often"
  // stays "stronger colour" on either background.
  var DARK_HEAT = [[0, "#1d2a30"], [0.34, "#2f5f8f"], [0.67, "#5b9bd5"], [1, "#d4e6ff"]];

  function traces(data) {
    if (!(dark && dark.matches)) { return data; }
    return data.map(function (trace) {
      if (trace.type !== "heatmap") { return trace; }
      var copy = JSON.parse(JSON.stringify(trace));
      copy.colorscale = DARK_HEAT;
      return copy;
    });
  }

  var charts = [];

  function draw(chart) {
    var narrow = chart.el.clientWidth < 520;
    window.Plotly.react(chart.el, traces(chart.figure.data), styled(chart.figure.layout, narrow), {
      responsive: true, displayModeBar: false, scrollZoom: false, doubleClick: false
    });
  }

  function showFallback(id, el) {
    var note = document.querySelector('[data-chart-fallback="' + id + '"]');
    if (note) { note.hidden = false; }
    el.hidden = true;
  }

  function drawWhenReady(block, el) {
    var id = block.getAttribute("data-chart");
    loadPlotly().then(function () {
      var chart = { el: el, figure: JSON.parse(block.textContent) };
      charts.push(chart);
      draw(chart);
    }).catch(function () { showFallback(id, el); });
  }

  function init() {
    var blocks = document.querySelectorAll('script[type="application/json"][data-chart]');
    var pending = [];
    Array.prototype.forEach.call(blocks, function (block) {
      var el = document.getElementById(block.getAttribute("data-chart"));
      if (el) { pending.push({ block: block, el: el }); }
    });
    if (!("IntersectionObserver" in window)) {
      pending.forEach(function (p) { drawWhenReady(p.block, p.el); });
    } else {
      var byEl = new Map(pending.map(function (p) { return [p.el, p.block]; }));
      var observer = new IntersectionObserver(function (entries) {
        entries.forEach(function (entry) {
          if (!entry.isIntersecting) { return; }
          observer.unobserve(entry.target);
          drawWhenReady(byEl.get(entry.target), entry.target);
        });
      }, { rootMargin: "0px" });
      pending.forEach(function (p) { observer.observe(p.el); });
      // The first scroll or touch starts loading plotly.js, so a chart further down is ready
      // by the time it arrives on screen.
      var warm = function () {
        window.removeEventListener("scroll", warm);
        window.removeEventListener("touchstart", warm);
        if (pending.length) { loadPlotly().catch(function () {}); }
      };
      window.addEventListener("scroll", warm, { passive: true });
      window.addEventListener("touchstart", warm, { passive: true });
    }
    if (dark && dark.addEventListener) {
      dark.addEventListener("change", function () { charts.forEach(draw); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
