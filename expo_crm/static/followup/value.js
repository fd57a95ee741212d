// The value matrix as a chart: each exhibitor by current (x) and potential (y) value,
// coloured by quadrant, with the medians that divide the quadrants; a point opens the company.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  if (typeof Chart === "undefined") { return; } // the table below carries the same figures
  var colours = { loyal: "#2f7d4f", repeat: "#2f5fb3", expected: "#d08a2f", ordinary: "#8a8f99" };
  var maxX = 0, maxY = 0;
  data.points.forEach(function (p) { maxX = Math.max(maxX, p.x); maxY = Math.max(maxY, p.y); });
  var datasets = Object.keys(colours).map(function (q) {
    return {
      label: data.labels[q], type: "scatter", backgroundColor: colours[q], pointRadius: 4,
      data: data.points.filter(function (p) { return p.q === q; })
    };
  });
  datasets.push({ label: data.labels.median, type: "line", borderColor: "#555", borderDash: [6, 4],
                  pointRadius: 0, borderWidth: 1, data: [{ x: data.median_x, y: 0 }, { x: data.median_x, y: maxY }] });
  datasets.push({ label: "", type: "line", borderColor: "#555", borderDash: [6, 4], pointRadius: 0,
                  borderWidth: 1, data: [{ x: 0, y: data.median_y }, { x: maxX, y: data.median_y }] });
  var fmt = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 0 });
  new Chart(document.getElementById("chart-matrix"), {
    data: { datasets: datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      scales: {
        x: { type: "linear", beginAtZero: true, title: { display: true, text: data.labels.current },
             ticks: { callback: function (v) { return fmt.format(v); } } },
        y: { beginAtZero: true, title: { display: true, text: data.labels.potential },
             ticks: { callback: function (v) { return fmt.format(v); } } }
      },
      plugins: {
        legend: { labels: { filter: function (item) { return item.text !== ""; } } },
        tooltip: { callbacks: { label: function (ctx) {
          var p = ctx.raw; return p.name ? p.name + ": " + fmt.format(p.x) + " / " + fmt.format(p.y) : "";
        } } }
      },
      onClick: function (event, elements, chart) {
        if (!elements.length) { return; }
        var p = chart.data.datasets[elements[0].datasetIndex].data[elements[0].index];
        if (p.id) { window.location.href = data.company_url.replace("999999999", String(p.id)); }
      }
    }
  });
})();
