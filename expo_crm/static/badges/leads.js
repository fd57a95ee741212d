/* Exhibitor lead capture: scan a badge, see what the visitor shares, go rate the lead. */
(function () {
  "use strict";
  var S = window.ExpoScanner;
  var root = document.getElementById("leads");
  var link = document.getElementById("lead-link");

  function onCode(code) {
    var body = { code: code, scanned_at: new Date().toISOString(), client_uuid: S.uuid() };
    S.postJSON(root.dataset.captureUrl, body, root.dataset.csrf, 5000).then(function (res) {
      if (!res.ok) {
        var msg = (res.data && res.data.error && res.data.error.message) || root.dataset.msgError;
        S.show(root, "refused", msg, "", ""); S.beep(false); link.hidden = true; return;
      }
      var c = res.data;
      var contact = c.shared ? [c.email, c.phone].filter(Boolean).join(" · ") || root.dataset.msgContact
                             : root.dataset.msgNocontact;
      S.show(root, "admitted", c.company || "", c.name, contact);
      S.beep(true);
      link.href = c.url; link.hidden = false;
    }, function () {
      S.show(root, "offline", root.dataset.msgOffline, code, ""); S.beep(false);
    });
  }
  S.start(root, onCode);
})();
