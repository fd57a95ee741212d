/* Bulk badge job: poll the job's state and show progress until the PDF is ready. */
(function () {
  "use strict";
  var box = document.getElementById("job");
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-text");
  var link = document.getElementById("job-download");
  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.max = s.total || 1; bar.value = s.done;
        if (s.status === "done") { text.textContent = s.total + " ✓"; link.hidden = false; return; }
        if (s.status === "failed") { text.textContent = s.message; return; }
        text.textContent = s.done + " / " + (s.total || "…");
        setTimeout(poll, 1000);
      }, function () { setTimeout(poll, 3000); });
  }
  if (link.hidden) poll();
})();
