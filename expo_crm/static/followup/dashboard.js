// Management dashboard charts: every bar and point opens the list behind it.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  if (typeof Chart === "undefined") { return; } // the tables below carry the same figures
  var links = data.links;

  function go(template, values) {
    var url = template;
    Object.keys(values).forEach(function (key) { url = url.replace(key, encodeURIComponent(values[key])); });
    window.location.href = url;
  }

  function clickable(onPick) {
    return {
      responsive: true,
      onClick: function (event, elements, chart) {
        if (!elements.length) { return; }
        var el = elements[0];
        onPick(chart.data.datasets[el.datasetIndex], el.index);
      },
      onHover: function (event, elements) {
        event.native.target.style.cursor = elements.length ? "pointer" : "default";
      }
    };
  }

  var kinds = ["exhibitors", "new", "lost", "upgraded", "downgraded"];
  new Chart(document.getElementById("chart-exhibitors"), {
    type: "bar",
    data: {
      labels: data.editions,
      datasets: kinds.map(function (kind) {
        return { label: data.labels[kind], kind: kind, data: data.series[kind] };
      })
    },
    options: clickable(function (dataset, index) {
      go(links.exhibitors, { "__SHOW__": data.editions[index], "__KIND__": dataset.kind });
    })
  });

  new Chart(document.getElementById("chart-revenue"), {
    type: "line",
    data: {
      labels: data.editions,
      datasets: [
        { label: data.labels.revenue, kind: "exhibitors", data: data.revenue, yAxisID: "y" },
        { label: data.labels.rebooking, kind: "rebooked", data: data.rebooking, yAxisID: "rate" }
      ]
    },
    options: Object.assign(clickable(function (dataset, index) {
      go(links.exhibitors, { "__SHOW__": data.editions[index], "__KIND__": dataset.kind });
    }), { scales: { y: { beginAtZero: true }, rate: { position: "right", min: 0, max: 1 } } })
  });

  var tiers = data.pyramid.map(function (row) { return row[0]; });
  new Chart(document.getElementById("chart-pyramid"), {
    type: "bar",
    data: {
      labels: data.pyramid.map(function (row) { return row[2]; }),
      datasets: [{ label: data.labels.companies, data: data.pyramid.map(function (row) { return row[1]; }) }]
    },
    options: Object.assign(clickable(function (dataset, index) {
      go(links.pyramid, { "__TIER__": tiers[index] });
    }), { indexAxis: "y" })
  });
})();
