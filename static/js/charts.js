// Draws every chart whose figure is embedded as JSON (<script type="application/json">),
// so pages need no inline script and keep a strict Content Security Policy.
document.querySelectorAll("[data-chart]").forEach((element) => {
  const source = document.getElementById(element.dataset.chart);
  if (!source || !window.Plotly) return;
  const figure = JSON.parse(source.textContent);
  // No mode bar: its buttons would be focusable inside a chart that screen readers skip
  // (the table after each chart carries the same figures).
  window.Plotly.newPlot(element, figure.data, figure.layout, {
    displayModeBar: false,
    responsive: true,
  });
});
