/* Expo CRM kiosk: welcome → scan card → review → questions → consent → badge → done.
 * Plain JavaScript; every text comes from the server (#kiosk-data) in each language,
 * so switching language keeps what the visitor already entered.
 * While the camera is on, frames are also read for a QR code (the browser's BarcodeDetector
 * where it reads QR, else the zxing-wasm reader the app vendors for its gate scanner): on the
 * code step any QR is taken as a confirmation code; on the card step only a QR that looks
 * like one (so the QR printed on many business cards is ignored there). */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("kiosk-data").textContent);
  var CSRF = document.querySelector('meta[name="csrf-token"]').content;
  var FIELDS = ["name", "title", "company", "emails", "phones", "website", "address"];
  var lang = DATA.strings[window.KIOSK_LANG] ? window.KIOSK_LANG : Object.keys(DATA.strings)[0];
  var state = freshState();
  var stream = null;
  var streamVideo = null;
  var pending = false;
  var qr = { reader: null, timer: null, reading: false, last: "", lastAt: 0 };
  var canvasQr = document.createElement("canvas");
  var CODE_RE = new RegExp("^[" + DATA.code.alphabet + "]{" + DATA.code.length + "}$");
  var idleTimer = null;
  var countdownTimer = null;

  function freshState() {
    return { step: "welcome", captureId: null, code: null, returning: false, check: [],
             fields: {}, category: "trade", answers: {}, consents: {}, printUrl: null,
             badgeLoaded: false };
  }

  function $(sel) { return document.querySelector(sel); }
  function $all(sel) { return Array.prototype.slice.call(document.querySelectorAll(sel)); }
  function t(key) { return (DATA.strings[lang] && DATA.strings[lang][key]) || DATA.strings.en[key] || key; }
  function label(obj) { return (obj && (obj[lang] || obj.en)) || ""; }

  /* ---------- language ---------- */
  function applyLanguage() {
    document.documentElement.lang = lang.indexOf("zh") === 0 ? "zh-Hans" : "en";
    $all("[data-t]").forEach(function (el) { el.textContent = t(el.getAttribute("data-t")); });
    $all("[data-consent]").forEach(function (el) {
      el.textContent = DATA.consents[lang][el.getAttribute("data-consent")];
    });
    $all(".k-lang").forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.lang === lang)); });
    renderQuestions();
  }

  /* ---------- steps ---------- */
  function go(step) {
    hideMessage();
    state.step = step;
    $all(".k-step").forEach(function (s) { s.hidden = s.dataset.step !== step; });
    var video = cameraFor(step);
    if (video) { startCamera(video); } else { stopCamera(); }
    if (step === "review") { fillReview(); }
    if (step === "code") { $("#code-input").focus(); }
    window.scrollTo(0, 0);
  }

  function showMessage(text) {
    var box = $("#message");
    box.textContent = text;
    box.hidden = false;
  }
  function hideMessage() { $("#message").hidden = true; $("#message").textContent = ""; }
  function busy(on) { $("#busy").hidden = !on; }

  /* ---------- camera ---------- */
  function cameraFor(step) {
    return step === "scan" ? $("#camera") : (step === "code" ? $("#code-camera") : null);
  }
  function startCamera(video) {
    if (stream && streamVideo === video) { return; }
    stopCamera();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      if (video.id === "camera") { showMessage(t("no_camera")); }
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1920 }, height: { ideal: 1080 },
                                                   facingMode: "environment" }, audio: false })
      .then(function (s) {
        if (cameraFor(state.step) !== video || stream) { s.getTracks().forEach(function (tr) { tr.stop(); }); return; }
        stream = s;
        streamVideo = video;
        video.srcObject = s;
        startQr();
      })
      .catch(function () { if (video.id === "camera") { showMessage(t("no_camera")); } });
  }
  function stopCamera() {
    stopQr();
    if (stream) { stream.getTracks().forEach(function (tr) { tr.stop(); }); }
    stream = null;
    if (streamVideo) { streamVideo.srcObject = null; }
    streamVideo = null;
  }

  /* ---------- QR codes of confirmations ---------- */
  function qrReader() {
    if (qr.reader) { return qr.reader; }
    var formats = window.BarcodeDetector && window.BarcodeDetector.getSupportedFormats
      ? window.BarcodeDetector.getSupportedFormats() : Promise.resolve([]);
    qr.reader = Promise.resolve(formats).catch(function () { return []; }).then(function (list) {
      if (list.indexOf("qr_code") >= 0) {
        var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        return function (canvas) {
          return detector.detect(canvas).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
        };
      }
      if (window.ZXingWASM) {
        window.ZXingWASM.prepareZXingModule({ overrides: { locateFile: function (path, prefix) {
          return path.endsWith(".wasm") ? DATA.urls.qrWasm : prefix + path;
        } } });
        return function (canvas, ctx) {
          var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
          return window.ZXingWASM.readBarcodes(image, { formats: ["QRCode"], maxNumberOfSymbols: 1, tryHarder: false })
            .then(function (codes) { return codes.length && codes[0].isValid ? codes[0].text : null; });
        };
      }
      return null;  /* no reader: typing the code still works */
    });
    return qr.reader;
  }
  function startQr() {
    stopQr();
    qr.timer = setInterval(readQrFrame, 200);
  }
  function stopQr() {
    clearInterval(qr.timer);
    qr.timer = null;
  }
  function readQrFrame() {
    var video = streamVideo;
    if (qr.reading || pending || !stream || !video || video.readyState < 2 || !video.videoWidth) { return; }
    qr.reading = true;
    qrReader().then(function (read) {
      if (!read) { stopQr(); return null; }
      var scale = Math.min(1, 960 / Math.max(video.videoWidth, video.videoHeight));
      canvasQr.width = Math.round(video.videoWidth * scale);
      canvasQr.height = Math.round(video.videoHeight * scale);
      var ctx = canvasQr.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(video, 0, 0, canvasQr.width, canvasQr.height);
      return read(canvasQr, ctx);
    }).then(function (text) { if (text) { scannedCode(text); } })
      .catch(function () { /* an unreadable frame: try the next one */ })
      .then(function () { qr.reading = false; });
  }
  function scannedCode(text) {
    var code = String(text).toUpperCase().replace(/[^A-Z0-9]/g, "");
    if (!code || pending) { return; }
    if (state.step === "scan" && !CODE_RE.test(code)) { return; }  /* a card's own QR */
    if (state.step !== "scan" && state.step !== "code") { return; }
    var now = Date.now();
    /* the camera sees the same code many times a second: try it once per few seconds */
    if (code === qr.last && now - qr.lastAt < 4000) { return; }
    qr.last = code;
    qr.lastAt = now;
    $("#code-input").value = code.slice(0, 40);
    request("code", { code: code.slice(0, 40) });
  }

  function takePhoto() {
    var video = $("#camera");
    if (!stream || !video.videoWidth) { showMessage(t("no_camera")); return; }
    var canvas = $("#snapshot");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob(function (blob) { sendPhoto(blob, "card.jpg"); }, "image/jpeg", 0.92);
  }

  function sendPhoto(blob, name) {
    hideMessage();
    request("capture", null, blob, name);
  }

  /* ---------- server ---------- */
  function request(what, body, blob, name) {
    var opts = { method: "POST", credentials: "same-origin",
                 headers: { "X-CSRFToken": CSRF, "Accept": "application/json" } };
    if (blob) {
      var form = new FormData();
      form.append("image", blob, name || "card.jpg");
      opts.body = form;
    } else {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    busy(true);
    pending = true;
    return fetch(DATA.urls[what], opts)
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (json) {
          busy(false);
          pending = false;
          if (!resp.ok) {
            var msg = (json.error && json.error.message) || t("error_generic");
            showMessage(msg);
            if (json.error && json.error.field) { markError(json.error.field); }
            return null;
          }
          handle(what, json);
          return json;
        });
      })
      .catch(function () { busy(false); pending = false; showMessage(t("error_network")); return null; });
  }

  function handle(what, json) {
    if (what === "capture" || what === "code") {
      state.captureId = json.capture_id || null;
      state.code = json.confirmation_code || null;
      state.returning = !!json.returning;
      state.check = json.check || [];
      state.fields = json.fields || {};
      if (json.category) { state.category = json.category; }
      if (json.answers) { state.answers = json.answers; }
      if (json.consents) { state.consents = json.consents; }
      go("review");
    } else if (what === "register") {
      $("#done-name").textContent = json.name;
      state.printUrl = json.print_url;
      document.body.dataset.registration = json.registration_id;
      go("done");
      printBadge();
    }
  }

  /* ---------- printing: each print is counted by the server, a reprint is said so ---------- */
  /* The badge's PDF is loaded into the frame once; a reprint (counted by the server like the
   * first print) prints the same frame again. */
  function printFrame(frame) {
    try { frame.contentWindow.focus(); frame.contentWindow.print(); } catch (e) { /* the printer's own dialog */ }
  }
  function printBadge() {
    if (!state.printUrl || pending) { return; }
    fetch(state.printUrl, { method: "POST", credentials: "same-origin",
                            headers: { "X-CSRFToken": CSRF, "Accept": "application/json",
                                       "Content-Type": "application/json" },
                            body: JSON.stringify({ language: lang }) })
      .then(function (resp) {
        return resp.json().catch(function () { return {}; }).then(function (json) {
          if (!resp.ok) { showMessage((json.error && json.error.message) || t("error_generic")); return; }
          if (json.warning) { showMessage(json.warning); }
          document.body.dataset.prints = json.print_count;
          var frame = $("#badge-frame");
          if (state.badgeLoaded) { printFrame(frame); return; }
          frame.onload = function () { state.badgeLoaded = true; printFrame(frame); };
          frame.src = json.pdf_url;
        });
      })
      .catch(function () { showMessage(t("error_network")); });
  }

  /* ---------- review ---------- */
  function fillReview() {
    FIELDS.forEach(function (f) {
      var input = $("#f-" + f);
      var value = state.fields[f];
      input.value = Array.isArray(value) ? value.join(", ") : (value || "");
      var box = input.closest(".k-field");
      box.classList.toggle("k-low", state.check.indexOf(f) >= 0);
      box.classList.remove("k-error");
    });
    $("#returning").hidden = !state.returning;
    $("#review-help").hidden = state.check.length === 0;
  }
  function readReview() {
    FIELDS.forEach(function (f) {
      var v = $("#f-" + f).value.trim();
      state.fields[f] = (f === "emails" || f === "phones")
        ? v.split(/[,;]/).map(function (x) { return x.trim(); }).filter(Boolean)
        : (v || null);
    });
  }
  function markError(field) {
    var input = $("#f-" + field);
    if (input) {
      if (state.step !== "review") { go("review"); }
      input.closest(".k-field").classList.add("k-error");
      input.focus();
    }
  }

  /* ---------- questions ---------- */
  function option(name, value, text, type, checked) {
    var id = "q-" + name + "-" + value.replace(/\W+/g, "_");
    var wrap = document.createElement("label");
    wrap.className = "k-option";
    wrap.setAttribute("for", id);
    var input = document.createElement("input");
    input.type = type; input.name = name; input.value = value; input.id = id; input.checked = checked;
    var span = document.createElement("span");
    span.textContent = text;
    wrap.appendChild(input); wrap.appendChild(span);
    return wrap;
  }
  function renderQuestions() {
    var cats = $("#category-options");
    cats.textContent = "";
    DATA.categories.forEach(function (c) {
      cats.appendChild(option("category", c, t("category_" + c), "radio", state.category === c));
    });
    var box = $("#questions");
    box.textContent = "";
    DATA.questions.forEach(function (q) {
      var fs = document.createElement("fieldset");
      fs.className = "k-question";
      fs.dataset.key = q.key;
      var legend = document.createElement("legend");
      legend.textContent = label(q.label) + (q.required ? " *" : "");
      fs.appendChild(legend);
      var current = state.answers[q.key];
      if (q.kind === "text") {
        var input = document.createElement("input");
        input.className = "k-input"; input.name = q.key; input.value = current || ""; input.maxLength = 200;
        fs.appendChild(input);
      } else {
        var opts = document.createElement("div");
        opts.className = "k-options";
        q.options.forEach(function (o) {
          var checked = q.kind === "multiple" ? (current || []).indexOf(o.value) >= 0 : current === o.value;
          opts.appendChild(option(q.key, o.value, label(o.label), q.kind === "multiple" ? "checkbox" : "radio", checked));
        });
        fs.appendChild(opts);
      }
      box.appendChild(fs);
    });
  }
  function readQuestions() {
    var form = $("#questions-form");
    var picked = form.querySelector('input[name="category"]:checked');
    state.category = picked ? picked.value : "trade";
    var missing = null;
    DATA.questions.forEach(function (q) {
      var value;
      if (q.kind === "multiple") {
        value = $all('#questions input[name="' + q.key + '"]:checked').map(function (i) { return i.value; });
      } else if (q.kind === "single") {
        var one = form.querySelector('input[name="' + q.key + '"]:checked');
        value = one ? one.value : null;
      } else {
        value = form.querySelector('input[name="' + q.key + '"]').value.trim() || null;
      }
      state.answers[q.key] = value;
      var empty = value === null || (Array.isArray(value) && value.length === 0);
      form.querySelector('[data-key="' + q.key + '"]').classList.toggle("k-error", q.required && empty);
      if (q.required && empty && !missing) { missing = q; }
    });
    if (missing) { showMessage(t("required") + " " + label(missing.label)); return false; }
    return true;
  }

  /* ---------- reset & idle ---------- */
  function reset() {
    stopCamera();
    state = freshState();
    $all("form").forEach(function (f) { f.reset(); });
    $all(".k-field").forEach(function (b) { b.classList.remove("k-low", "k-error"); });
    $("#done-name").textContent = "";
    $("#badge-frame").removeAttribute("src");
    delete document.body.dataset.registration;
    delete document.body.dataset.prints;
    $("#upload").value = "";
    $("#code-input").value = "";
    qr.last = "";
    closeIdle();
    renderQuestions();
    go("welcome");
  }
  function armIdle() {
    clearTimeout(idleTimer);
    if (!$("#idle").hidden) { return; }
    idleTimer = setTimeout(openIdle, DATA.idleSeconds * 1000);
  }
  function openIdle() {
    if (state.step === "welcome") { armIdle(); return; }
    var left = DATA.idleCountdown || 10;
    $("#idle").hidden = false;
    $("#idle-count").textContent = left;
    countdownTimer = setInterval(function () {
      left -= 1;
      $("#idle-count").textContent = left;
      if (left <= 0) { reset(); }
    }, 1000);
  }
  function closeIdle() {
    clearInterval(countdownTimer);
    $("#idle").hidden = true;
    armIdle();
  }

  /* ---------- wiring ---------- */
  document.addEventListener("click", function (e) {
    var target = e.target.closest("[data-go],[data-reset],.k-lang");
    if (!target) { return; }
    if (target.hasAttribute("data-reset")) { reset(); return; }
    if (target.classList.contains("k-lang")) {
      readIfVisible();
      lang = target.dataset.lang;
      applyLanguage();
      return;
    }
    var step = target.getAttribute("data-go");
    if (step === "scan" && state.step === "welcome") { state = freshState(); }
    readIfVisible();
    go(step);
  });
  function readIfVisible() {
    if (state.step === "review") { readReview(); }
    if (state.step === "questions") { readQuestions(); }
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (ev) {
    document.addEventListener(ev, function () { if ($("#idle").hidden) { armIdle(); } }, { passive: true });
  });
  $("#idle-continue").addEventListener("click", closeIdle);
  $("#print-again").addEventListener("click", printBadge);
  $("#take-photo").addEventListener("click", takePhoto);
  $("#upload").addEventListener("change", function (e) {
    var file = e.target.files[0];
    if (file) { sendPhoto(file, file.name); }
    e.target.value = "";
  });
  $("#no-card").addEventListener("click", function () {
    state.captureId = null; state.check = []; state.fields = {}; state.returning = false;
    go("review");
  });
  $("#code-form").addEventListener("submit", function (e) {
    e.preventDefault();
    request("code", { code: $("#code-input").value });
  });
  $("#review-form").addEventListener("submit", function (e) {
    e.preventDefault();
    readReview();
    renderQuestions();
    go("questions");
  });
  $("#questions-form").addEventListener("submit", function (e) {
    e.preventDefault();
    if (!readQuestions()) { return; }
    $("#consent-marketing").checked = !!state.consents.marketing;
    $("#consent-share").checked = !!state.consents.share;
    go("consent");
  });
  $("#consent-form").addEventListener("submit", function (e) {
    e.preventDefault();
    state.consents = { marketing: $("#consent-marketing").checked, share: $("#consent-share").checked };
    request("register", {
      capture_id: state.captureId, confirmation_code: state.code, fields: state.fields,
      category: state.category, answers: state.answers, consents: state.consents, language: lang
    });
  });

  applyLanguage();
  go("welcome");
  armIdle();
  window.kiosk = { reset: reset, state: function () { return state; } };
})();
