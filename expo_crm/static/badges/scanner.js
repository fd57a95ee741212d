/* Shared scanning for the gate and lead pages: keyboard-wedge input, camera QR reading
   (native BarcodeDetector where the browser has it, else zxing-wasm served by the app),
   JSON posts with the CSRF header, and a little sound per verdict. */
(function () {
  "use strict";

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /* POST JSON; resolves {ok, status, data}; rejects on network failure or timeout. */
  function postJSON(url, body, csrf, timeoutMs) {
    var ctrl = new AbortController();
    var timer = setTimeout(function () { ctrl.abort(); }, timeoutMs || 4000);
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
      signal: ctrl.signal
    }).then(function (r) {
      clearTimeout(timer);
      return r.json().catch(function () { return {}; }).then(function (data) {
        return { ok: r.ok, status: r.status, data: data };
      });
    }, function (err) { clearTimeout(timer); throw err; });
  }

  var audio = null;
  function beep(good) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = good ? 880 : 220;
      osc.type = good ? "sine" : "square";
      gain.gain.value = 0.08;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + (good ? 0.12 : 0.35));
    } catch (e) { /* no sound is fine */ }
  }

  function start(root, onCode) {
    var input = root.querySelector("#wedge");
    var form = root.querySelector("#wedge-form");
    var last = { code: "", at: 0 };

    function deliver(code, fromCamera) {
      code = (code || "").trim();
      if (!code) return;
      var now = Date.now();
      // A camera sees the same badge many times a second: take it once per 3 s.
      if (fromCamera && code === last.code && now - last.at < 3000) return;
      last = { code: code, at: now };
      onCode(code);
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      deliver(input.value, false);
      input.value = "";
      input.focus();
    });
    // Keep the wedge field focused so a hardware scanner's keystrokes always land in it.
    document.addEventListener("click", function (ev) {
      if (!ev.target.closest("input, select, textarea, a, button")) input.focus();
    });

    var video = root.querySelector("#scan-video");
    var toggle = root.querySelector("#camera-toggle");
    var errorBox = root.querySelector("#camera-error");
    var stream = null, timer = null, busy = false, detector = null;
    var canvas = document.createElement("canvas");
    var ctx = canvas.getContext("2d", { willReadFrequently: true });

    function prepareReader() {
      if ("BarcodeDetector" in window) {
        try { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); return; } catch (e) { detector = null; }
      }
      if (window.ZXingWASM) {
        var wasm = root.dataset.wasmUrl;
        window.ZXingWASM.prepareZXingModule({
          overrides: { locateFile: function (path, prefix) { return path.endsWith(".wasm") ? wasm : prefix + path; } }
        });
      }
    }

    function readFrame() {
      if (busy || !stream || video.readyState < 2) return;
      busy = true;
      var w = video.videoWidth, h = video.videoHeight;
      var scale = Math.min(1, 800 / Math.max(w, h));
      canvas.width = Math.round(w * scale); canvas.height = Math.round(h * scale);
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      var found;
      if (detector) {
        found = detector.detect(canvas).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
      } else if (window.ZXingWASM) {
        var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
        found = window.ZXingWASM.readBarcodes(image, { formats: ["QRCode"], maxNumberOfSymbols: 1, tryHarder: false })
          .then(function (codes) { return codes.length && codes[0].isValid ? codes[0].text : null; });
      } else {
        found = Promise.resolve(null);
      }
      found.then(function (text) { if (text) deliver(text, true); })
        .catch(function () {})
        .then(function () { busy = false; });
    }

    function stopCamera() {
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null; clearInterval(timer); video.hidden = true;
      toggle.textContent = toggle.dataset.startLabel;
    }

    toggle.dataset.startLabel = toggle.textContent;
    toggle.addEventListener("click", function () {
      if (stream) { stopCamera(); return; }
      errorBox.hidden = true;
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        errorBox.textContent = "Camera not available in this browser (use HTTPS).";
        errorBox.hidden = false;
        return;
      }
      prepareReader();
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (s) {
          stream = s; video.srcObject = s; video.hidden = false; video.play();
          toggle.textContent = "■";
          timer = setInterval(readFrame, 120);
        }, function (err) {
          errorBox.textContent = err.message || String(err);
          errorBox.hidden = false;
        });
    });

    input.focus();
    return { deliver: deliver };
  }

  function show(root, kind, title, name, detail) {
    var box = root.querySelector("#verdict");
    box.className = "verdict " + kind;
    box.querySelector(".verdict-title").textContent = title || "";
    box.querySelector(".verdict-name").textContent = name || "";
    box.querySelector(".verdict-detail").textContent = detail || "";
  }

  /* Scans kept in localStorage (under `key`) while the server is out of reach, sent later
     in batches of `size` to the page's data-batch-url; the server counts each scan's UUID
     once, so a batch sent twice (an answer lost on the way back) adds nothing twice. The
     page shows the count in #queue-count and the connection in #net-state. */
  function offlineQueue(root, key, size) {
    var count = document.getElementById("queue-count");
    var netState = document.getElementById("net-state");
    var flushing = false;

    function items() { try { return JSON.parse(localStorage.getItem(key) || "[]"); } catch (e) { return []; } }
    function save(list) { localStorage.setItem(key, JSON.stringify(list)); count.textContent = list.length; }
    function setOnline(on) {
      netState.textContent = on ? root.dataset.msgOnline : root.dataset.msgOfflineTag;
      netState.className = "tag " + (on ? "online" : "offline");
    }
    function keep(scan) { var list = items(); list.push(scan); save(list); }

    function flush() {
      var list = items();
      if (flushing || !list.length) return;
      flushing = true;
      var batch = list.slice(0, size);
      postJSON(root.dataset.batchUrl, { scans: batch }, root.dataset.csrf, 10000).then(function (res) {
        if (res.ok) {
          setOnline(true);
          var sent = {};
          batch.forEach(function (s) { sent[s.client_uuid] = true; });
          save(items().filter(function (s) { return !sent[s.client_uuid]; }));
        } else if (res.status < 500) {
          // The server refused the batch itself (malformed): drop it rather than loop forever.
          save(items().slice(batch.length));
        }
      }, function () { setOnline(false); }).then(function () { flushing = false; });
    }

    save(items());
    setInterval(flush, 5000);
    window.addEventListener("online", flush);
    return {
      keep: keep,
      flush: flush,
      setOnline: setOnline,
      size: function () { return items().length; },
      busy: function () { return flushing; }
    };
  }

  window.ExpoScanner = {
    start: start, postJSON: postJSON, uuid: uuid, beep: beep, show: show, offlineQueue: offlineQueue
  };
})();
