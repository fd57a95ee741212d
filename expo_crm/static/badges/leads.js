/* Exhibitor lead capture: scan a badge, see what the visitor shares, go rate the lead.
   While the server is out of reach, scans wait in a local queue (localStorage, each with a
   UUID) and are sent later; the server counts a UUID once, so a queue sent twice (an answer
   lost on the way back) never adds a lead or a scan twice. */
(function () {
  "use strict";
  var S = window.ExpoScanner;
  var root = document.getElementById("leads");
  var link = document.getElementById("lead-link");
  var queueCount = document.getElementById("queue-count");
  var netState = document.getElementById("net-state");
  var QUEUE_KEY = "expo.leads.queue";
  var flushing = false;

  function queue() { try { return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]"); } catch (e) { return []; } }
  function saveQueue(items) { localStorage.setItem(QUEUE_KEY, JSON.stringify(items)); queueCount.textContent = items.length; }
  function setOnline(on) {
    netState.textContent = on ? root.dataset.msgOnline : root.dataset.msgOfflineTag;
    netState.className = "tag " + (on ? "online" : "offline");
  }

  function showLead(c) {
    var contact = c.shared ? [c.email, c.phone].filter(Boolean).join(" · ") || root.dataset.msgContact
                           : root.dataset.msgNocontact;
    S.show(root, "admitted", c.company || "", c.name, contact);
    S.beep(true);
    link.href = c.url; link.hidden = false;
  }

  function keep(scan) {
    var items = queue(); items.push(scan); saveQueue(items);
    S.show(root, "offline", root.dataset.msgOffline, scan.code, ""); S.beep(true);
    link.hidden = true;
  }

  function onCode(code) {
    var scan = { code: code, scanned_at: new Date().toISOString(), client_uuid: S.uuid() };
    S.postJSON(root.dataset.captureUrl, scan, root.dataset.csrf, 5000).then(function (res) {
      setOnline(true);
      if (res.ok) { showLead(res.data); return; }
      if (res.status >= 500) { keep(scan); return; }
      var msg = (res.data && res.data.error && res.data.error.message) || root.dataset.msgError;
      S.show(root, "refused", msg, "", ""); S.beep(false); link.hidden = true;
    }, function () { setOnline(false); keep(scan); });
  }

  function flush() {
    var items = queue();
    if (flushing || !items.length) return;
    flushing = true;
    var batch = items.slice(0, 100);
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
  window.expoLeadQueue = {
    flush: flush,
    size: function () { return queue().length; },
    busy: function () { return flushing; }
  };
  S.start(root, onCode);
})();
