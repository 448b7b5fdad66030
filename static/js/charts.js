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
  // No mode bar: its buttons would be focusable inside a chart that screen readers skip
  // (the table after each chart carries the same figures).
  window.Plotly.newPlot(element, figure.data, figure.layout, {
    displayModeBar: false,
    responsive: true,
  });
}

if (window.Plotly) {
  drawCharts();
} else {
  window.addEventListener("load", drawCharts);
}
