// katapp charts. Every chart arrives drawn: the server renders each figure as a static SVG
// (katapp/chart_svg.py) inside <div data-chart-box id="ID">, with the same figure as JSON in
// <script type="application/json" data-chart="ID">. This script upgrades a chart to the
// interactive Plotly chart (values on tap or hover):
// - on a wide screen with a mouse, when the browser is idle after the page has loaded, for the
//   charts near the screen;
// - on a phone, only when the person taps the chart or its "Interactive chart" button, so a phone
//   never parses 1.5 MB of plotly.js just to show a picture it already has.
// While plotly.js loads, the chart says "Loading chart…"; if it cannot load, the static chart stays
// and the numbers are in the table under it. plotly.js and its stylesheet (URLs in this script
// tag's data-plotly and data-plotly-css) are fetched the first time a chart is upgraded.
// Light or dark colours follow prefers-color-scheme; legends go below the plot on narrow screens.
// No layout shift: the Plotly chart is drawn at the height the static chart (with its legend) had,
// and the row under it keeps its height (the button gives way to a one-line hint).
(function () {
  "use strict";
  var self = document.currentScript;
  var plotlyUrl = self && self.getAttribute("data-plotly");
  var plotlyCss = self && self.getAttribute("data-plotly-css");
  var plotlyLoading = null;
  var WIDE = window.matchMedia && window.matchMedia("(min-width: 720px) and (hover: hover) and (pointer: fine)");

  function loadStyles() {
    // The id and class tell plotly.js its stylesheet is already here, so it injects no <style> (CSP).
    if (!plotlyCss || document.getElementById("plotly.js-style-global")) { return; }
    var link = document.createElement("link");
    link.id = "plotly.js-style-global";
    link.className = "no-inline-styles";
    link.rel = "stylesheet";
    link.href = plotlyCss;
    document.head.appendChild(link);
  }

  function loadPlotly() {
    if (window.Plotly) { return Promise.resolve(window.Plotly); }
    if (!plotlyLoading) {
      loadStyles();
      plotlyLoading = new Promise(function (resolve, reject) {
        if (!plotlyUrl) { reject(new Error("no plotly.js")); return; }
        var script = document.createElement("script");
        script.src = plotlyUrl;
        script.onload = function () { window.Plotly ? resolve(window.Plotly) : reject(new Error("no Plotly")); };
        script.onerror = function () { reject(new Error("plotly.js failed to load")); };
        document.head.appendChild(script);
      });
      plotlyLoading.catch(function () { plotlyLoading = null; });  // a later tap may try again
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

  // `height`: the static chart's height in CSS pixels, which the Plotly chart takes over.
  function styled(layout, narrow, height) {
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
      if (narrow && out.legend.orientation === "h") {
        // On a phone the legend goes under the plot (below the axis labels), two entries a row,
        // so it never covers the data; the chart grows to keep the plot its height.
        out.legend.y = out.xaxis && out.xaxis.title ? -0.24 : -0.12;
        out.legend.yanchor = "top";
        out.legend.entrywidth = 0.5;
        out.legend.entrywidthmode = "fraction";
        out.height = (out.height || 360) + 60;
      }
    }
    if (height) { out.height = height; }
    return out;
  }

  // Heatmaps: in dark mode the scale runs from the dark background to bright, so "more often"
  // stays "stronger colour" on either background (the static SVG does the same in dashboard.css).
  var DARK_HEAT = [[0, "#1d2a30"], [0.34, "#2f5f8f"], [0.67, "#5b9bd5"], [1, "#d4e6ff"]];

  function traces(data) {
    if (!(dark && dark.matches)) { return data; }
    return data.map(function (trace) {
      if (trace.type !== "heatmap" || trace.meta === "alert") { return trace; }  // the self-harm red stays
      var copy = JSON.parse(JSON.stringify(trace));
      copy.colorscale = DARK_HEAT;
      return copy;
    });
  }

  var drawn = [];
  var charts = {};

  function draw(chart) {
    var narrow = chart.el.clientWidth < 520;
    return window.Plotly.react(chart.el, traces(chart.figure.data), styled(chart.figure.layout, narrow, chart.height), {
      responsive: true, displayModeBar: false, scrollZoom: false, doubleClick: false
    });
  }

  // The status line under the chart. While plotly.js loads, the button itself reads "Loading
  // chart…" and the status says it only to screen readers: beside the button it would wrap the
  // row onto a second line on a narrow phone, moving everything below the chart.
  function status(chart, text, loading) {
    if (chart.status) {
      chart.status.textContent = text;
      chart.status.classList.toggle("visually-hidden", !!(loading && chart.button));
    }
    if (chart.button) { chart.button.textContent = loading ? text : "Interactive chart"; }
  }

  // Replace the static SVG by the Plotly chart (same box, same id). Returns a promise.
  function upgrade(chart) {
    if (chart.state === "done" || chart.state === "loading") { return chart.promise; }
    chart.state = "loading";
    chart.el.classList.add("is-loading");
    chart.el.setAttribute("aria-busy", "true");
    status(chart, "Loading chart…", true);
    chart.promise = loadPlotly().then(function () {
      chart.figure = JSON.parse(chart.block.textContent);
      var picture = chart.el.innerHTML;
      chart.height = chart.el.getBoundingClientRect().height || null;
      chart.el.textContent = "";  // the static chart goes in the same task Plotly draws: no blank frame
      chart.el.classList.remove("is-static");
      return Promise.resolve(draw(chart)).then(function () {
        chart.state = "done";
        drawn.push(chart);
        chart.el.classList.remove("is-loading");
        chart.el.removeAttribute("aria-busy");
        if (chart.button) { chart.button.hidden = true; }
        status(chart, "Touch or point at the chart for its values.");
      }, function (error) {
        chart.el.innerHTML = picture;
        throw error;
      });
    }).catch(function () {
      chart.state = "failed";
      chart.el.classList.remove("is-loading");
      chart.el.removeAttribute("aria-busy");
      chart.el.classList.add("is-static");
      status(chart, "The interactive chart could not be loaded; the numbers are in the table below.");
    });
    return chart.promise;
  }

  function whenIdle(fn) {
    if ("requestIdleCallback" in window) { window.requestIdleCallback(fn, { timeout: 4000 }); } else { window.setTimeout(fn, 300); }
  }

  function init() {
    var list = [];
    var blocks = document.querySelectorAll('script[type="application/json"][data-chart]');
    Array.prototype.forEach.call(blocks, function (block) {
      var id = block.getAttribute("data-chart");
      var el = document.getElementById(id);
      if (!el) { return; }
      var chart = {
        id: id, el: el, block: block, state: "static",
        actions: document.querySelector('[data-chart-actions="' + id + '"]'),
        status: document.querySelector('[data-chart-status="' + id + '"]'),
        button: document.querySelector('[data-chart-upgrade="' + id + '"]')
      };
      charts[id] = chart;
      list.push(chart);
      if (chart.actions) { chart.actions.classList.remove("is-waiting"); }
      // A tap on the static chart upgrades it (Plotly's own taps show values after that).
      el.addEventListener("click", function () { if (chart.state !== "done") { upgrade(chart); } });
    });
    document.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("[data-chart-upgrade]");
      if (button && charts[button.getAttribute("data-chart-upgrade")]) {
        upgrade(charts[button.getAttribute("data-chart-upgrade")]);
      }
    });
    if (WIDE && WIDE.matches && list.length) {
      var start = function () {
        whenIdle(function () {
          if (!("IntersectionObserver" in window)) { list.forEach(upgrade); return; }
          var observer = new IntersectionObserver(function (entries) {
            entries.forEach(function (entry) {
              if (!entry.isIntersecting) { return; }
              observer.unobserve(entry.target);
              whenIdle(function () { upgrade(charts[entry.target.id]); });
            });
          }, { rootMargin: "200px 0px" });
          list.forEach(function (chart) { observer.observe(chart.el); });
        });
      };
      if (document.readyState === "complete") { start(); } else { window.addEventListener("load", start); }
    }
    if (dark && dark.addEventListener) {
      dark.addEventListener("change", function () { drawn.forEach(draw); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
