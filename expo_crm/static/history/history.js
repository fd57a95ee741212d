// Exhibitors per edition, stacked by where they come from (imported lists, contracts).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  if (typeof Chart === "undefined") { return; } // the table below carries the same figures
  new Chart(document.getElementById("chart-sources"), {
    type: "bar",
    data: {
      labels: data.editions,
      datasets: [
        { label: data.labels.listed, data: data.listed, backgroundColor: "#9bb7e8" },
        { label: data.labels.sold, data: data.sold, backgroundColor: "#2f5fb3" }
      ]
    },
    options: { responsive: true, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
  });
})();
