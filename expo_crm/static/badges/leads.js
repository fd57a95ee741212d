/* Exhibitor lead capture: scan a badge, see what the visitor shares, go rate the lead.
   While the server is out of reach, scans wait in a local queue (localStorage, each with a
   UUID) and are sent later; the server counts a UUID once, so a queue sent twice (an answer
   lost on the way back) never adds a lead or a scan twice. */
(function () {
  "use strict";
  var S = window.ExpoScanner;
  var root = document.getElementById("leads");
  var link = document.getElementById("lead-link");
  var pending = S.offlineQueue(root, "expo.leads.queue", 100);

  function showLead(c) {
    var contact = c.shared ? [c.email, c.phone].filter(Boolean).join(" · ") || root.dataset.msgContact
                           : root.dataset.msgNocontact;
    S.show(root, "admitted", c.company || "", c.name, contact);
    S.beep(true);
    link.href = c.url; link.hidden = false;
  }

  function keep(scan, onScreen) {
    pending.keep(scan);
    if (!onScreen) return;
    S.show(root, "offline", root.dataset.msgOffline, scan.code, ""); S.beep(true);
  }

  /* The link belongs to the lead on screen: gone as soon as another badge is read, back
     only when the server has recorded that badge as a lead. */
  function forgetLead() { link.hidden = true; link.removeAttribute("href"); }

  var latest = 0;  // answers to earlier scans arriving late must not paint over a newer one

  function onCode(code) {
    forgetLead();
    var mine = ++latest;
    var scan = { code: code, scanned_at: new Date().toISOString(), client_uuid: S.uuid() };
    S.postJSON(root.dataset.captureUrl, scan, root.dataset.csrf, 5000).then(function (res) {
      pending.setOnline(true);
      if (res.status >= 500) { keep(scan, mine === latest); return; }
      if (mine !== latest) return;
      if (res.ok) { showLead(res.data); return; }
      var msg = (res.data && res.data.error && res.data.error.message) || root.dataset.msgError;
      S.show(root, "refused", msg, "", ""); S.beep(false);
    }, function () { pending.setOnline(false); keep(scan, mine === latest); });
  }

  window.expoLeadQueue = { flush: pending.flush, size: pending.size, busy: pending.busy };
  S.start(root, onCode);
})();
