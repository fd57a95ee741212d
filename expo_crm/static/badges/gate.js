/* Gate check-in: judge each scan at once; while the server is out of reach keep scans in
   a local queue (localStorage, each with a UUID) and send them later; the server stores a
   UUID once, so a batch sent twice never counts twice. */
(function () {
  "use strict";
  var S = window.ExpoScanner;
  var root = document.getElementById("gate");
  var gateInput = document.getElementById("gate-name");
  var admittedCount = document.getElementById("admitted-count");
  var GATE_KEY = "expo.gate.name";
  var admitted = 0;
  var pending = S.offlineQueue(root, "expo.gate.queue", 200);

  gateInput.value = localStorage.getItem(GATE_KEY) || "";
  gateInput.addEventListener("change", function () { localStorage.setItem(GATE_KEY, gateInput.value.trim()); });

  function showResult(r) {
    if (r.admitted) { admitted += 1; admittedCount.textContent = admitted; }
    var detail = [r.company, r.category_label].filter(Boolean).join(" · ");
    S.show(root, r.admitted ? "admitted" : "refused", r.message, r.name, detail);
    S.beep(r.admitted);
  }

  function onCode(code) {
    var gate = gateInput.value.trim();
    if (!gate) { S.show(root, "refused", root.dataset.msgNogate, "", ""); gateInput.focus(); return; }
    var scan = { code: code, gate: gate, scanned_at: new Date().toISOString(), client_uuid: S.uuid() };
    S.postJSON(root.dataset.scanUrl, scan, root.dataset.csrf, 3000).then(function (res) {
      pending.setOnline(true);
      if (res.ok) { showResult(res.data); return; }
      if (res.status >= 500) { keep(scan); return; }
      var msg = (res.data && res.data.error && res.data.error.message) || root.dataset.msgError;
      S.show(root, "refused", msg, "", ""); S.beep(false);
    }, function () { pending.setOnline(false); keep(scan); });
  }

  function keep(scan) {
    pending.keep(scan);
    S.show(root, "offline", root.dataset.msgOffline, scan.code, "");
    S.beep(true);
  }

  S.start(root, onCode);
})();
