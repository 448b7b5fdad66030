// Draws every chart whose figure is embedded as JSON (<script type="application/json">),
// so pages need no inline script and keep a strict Content Security Policy. plotly loads
// async (the page is ready to read before it arrives); the charts are drawn once it has.
function drawCharts() {
  document.querySelectorAll("[data-chart]").forEach(drawChart);
}

function drawChart(element) {
  const source = document.getElementById(element.dataset.chart);
  if (!source || !window.Plotly) return;
  const figure = JSON.parse(source.textContent);
  // The server plans the time axis's labels for a wide chart and for a phone's, so that no two
  // ever touch (reports/charts.py, axis_ticks); a narrow chart takes the phone's.
  const meta = figure.layout.meta;
  if (meta && meta.narrowTicks && element.clientWidth < meta.narrowBelow) {
    Object.assign(figure.layout.xaxis, meta.narrowTicks);
  }
  // No mode bar: its buttons would be focusable inside a chart that screen readers skip
  // (the table after each chart carries the same figures).
  window.Plotly.newPlot(element, figure.data, figure.layout, {
    displayModeBar: false,
    responsive: true,
  });
}

// Drawing is work for after the page is ready to read: it never holds up DOMContentLoaded
// (drawn in a deferred script, a chart cost a slow machine 400-600 ms before the page was
// ready). Just after it, if plotly has arrived; otherwise once it has (an async script holds
// up the window's load event).
let drawn = false;
function drawOnce() {
  if (drawn || !window.Plotly) return;
  drawn = true;
  drawCharts();
}
document.addEventListener("DOMContentLoaded", () => setTimeout(drawOnce, 0), { once: true });
window.addEventListener("load", drawOnce, { once: true });
