/* Gate check-in: judge each scan at once; while the server is out of reach keep scans in
   a local queue (localStorage, each with a UUID) and send them later; the server stores a
   UUID once, so a batch sent twice never counts twice. */
(function () {
  "use strict";
  var S = window.ExpoScanner;
  var root = document.getElementById("gate");
  var gateInput = document.getElementById("gate-name");
  var queueCount = document.getElementById("queue-count");
  var admittedCount = document.getElementById("admitted-count");
  var netState = document.getElementById("net-state");
  var QUEUE_KEY = "expo.gate.queue", GATE_KEY = "expo.gate.name";
  var admitted = 0, flushing = false;

  gateInput.value = localStorage.getItem(GATE_KEY) || "";
  gateInput.addEventListener("change", function () { localStorage.setItem(GATE_KEY, gateInput.value.trim()); });

  function queue() { try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; } }
  function saveQueue(items) { localStorage.setItem(QUEUE_KEY, JSON.stringify(items)); queueCount.textContent = items.length; }
  function setOnline(on) { netState.textContent = on ? "Online" : "Offline"; netState.className = "tag " + (on ? "online" : "offline"); }

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
      setOnline(true);
      if (res.ok) { showResult(res.data); return; }
      if (res.status >= 500) { keep(scan); return; }
      var msg = (res.data && res.data.error && res.data.error.message) || root.dataset.msgError;
      S.show(root, "refused", msg, "", ""); S.beep(false);
    }, function () { setOnline(false); keep(scan); });
  }

  function keep(scan) {
    var items = queue(); items.push(scan); saveQueue(items);
    S.show(root, "offline", root.dataset.msgOffline, scan.code, "");
    S.beep(true);
  }

  function flush() {
    var items = queue();
    if (flushing || !items.length) return;
    flushing = true;
    var batch = items.slice(0, 200);
    S.postJSON(root.dataset.batchUrl, { scans: batch }, root.dataset.csrf, 10000).then(function (res) {
      if (res.ok) {
        setOnline(true);
        var sent = {};
        batch.forEach(function (s) { sent[s.client_uuid] = true; });
        saveQueue(queue().filter(function (s) { return !sent[s.client_uuid]; }));
      } else if (res.status < 500) {
        // The server refused the batch itself (malformed): drop it rather than loop forever.
        saveQueue(queue().slice(batch.length));
      }
    }, function () { setOnline(false); }).then(function () { flushing = false; });
  }

  saveQueue(queue());
  setInterval(flush, 5000);
  window.addEventListener("online", flush);
  S.start(root, onCode);
})();
