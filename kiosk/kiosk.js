/* Expo CRM kiosk: welcome → card (or confirmation code) → details → questions → consent → badge.
 * Plain JavaScript; every text comes from the server (#kiosk-data) in each language, so
 * switching language keeps what the visitor already entered, and every check of what they
 * typed speaks their language (forms are novalidate: no browser bubbles). The camera lives
 * in camera.js. On the code step any QR the camera reads is taken as a confirmation code; on
 * the card step only a QR that looks like one (the QR printed on many cards is ignored). */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("kiosk-data").textContent);
  var CSRF = document.querySelector('meta[name="csrf-token"]').content;
  var FIELDS = ["name", "title", "company", "emails", "phones", "website", "address"];
  var LIST_FIELDS = ["emails", "phones"];
  /* The progress bar's stage of each step. */
  var STAGE = { code: "card", scan: "card", review: "details", questions: "questions",
                consent: "consent", done: "badge" };
  var STAGES = ["card", "details", "questions", "consent", "badge"];
  var EMAIL_RE = /^[^\s@,;]+@[^\s@,;]+\.[^\s@,;.]{2,}$/;
  var CODE_RE = new RegExp("^[" + DATA.code.alphabet + "]{" + DATA.code.length + "}$");
  var camera = window.KioskCamera;
  var startLang = JSON.parse(document.getElementById("kiosk-lang").textContent);
  var lang = DATA.strings[startLang] ? startLang : Object.keys(DATA.strings)[0];
  var state = freshState();
  var pending = false;
  var lastQr = { code: "", at: 0 };
  var lastPointer = 0;
  var idleTimer = null;
  var countdownTimer = null;
  var advanceTimer = null;

  function freshState() {
    return { step: "welcome", captureId: null, code: null, returning: false, check: [],
             fields: {}, category: "trade", answers: {}, consents: {}, printUrl: null, page: 0,
             badgeLoaded: false };
  }

  function $(sel) { return document.querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function t(key) { return (DATA.strings[lang] && DATA.strings[lang][key]) || DATA.strings.en[key] || key; }
  function label(obj) { return (obj && (obj[lang] || obj.en)) || ""; }
  function currentStep() { return $("#step-" + state.step); }

  /* ---------- language ---------- */
  function applyLanguage() {
    document.documentElement.lang = lang.indexOf("zh") === 0 ? "zh-Hans" : "en";
    $all("[data-t]").forEach(function (el) { el.textContent = t(el.getAttribute("data-t")); });
    $all("[data-consent]").forEach(function (el) {
      el.textContent = DATA.consents[lang][el.getAttribute("data-consent")];
    });
    $all(".k-lang").forEach(function (b) { b.setAttribute("aria-pressed", String(b.dataset.lang === lang)); });
    $("#progress").setAttribute("aria-label", t("progress"));
    renderQuestions();
    $all(".k-error-text:not([hidden])").forEach(function (el) {
      if (el.dataset.key) { el.textContent = t(el.dataset.key); }
    });
    $all("textarea.k-input").forEach(autosize);
  }
  /* The server answers in the session's language: keep it the visitor's. */
  function tellServerLanguage() {
    var body = new URLSearchParams({ locale: lang, csrf_token: CSRF, next: location.pathname });
    fetch($(".k-langs").dataset.url, { method: "POST", body: body, credentials: "same-origin",
                                       redirect: "manual", headers: { "X-CSRFToken": CSRF } })
      .catch(function () { /* messages stay in the kiosk's language */ });
  }

  /* ---------- steps ---------- */
  function go(step) {
    hideMessage();
    clearTimeout(advanceTimer);
    state.step = step;
    $all(".k-step").forEach(function (s) { s.hidden = s.dataset.step !== step; });
    showProgress(STAGE[step]);
    if (step === "scan") {
      camera.start($("#camera"), { onQr: scannedCode, onError: function () { showMessage(t("no_camera")); },
                                   paused: function () { return pending; } });
      $("#scan-hint").textContent = t("hint_search");
    } else if (step === "code") {
      camera.start($("#code-camera"), { onQr: scannedCode, paused: function () { return pending; } });
    } else {
      camera.stop();
    }
    if (step === "review") { fillReview(); }
    if (step === "questions") { showQuestion(state.page); }
    var focus = step === "code" ? $("#code-input") : currentStep().querySelector("h1, legend");
    if (focus) { focus.focus({ preventScroll: true }); }
    $all(".k-body", currentStep()).forEach(function (b) { b.scrollTop = 0; });
  }

  function showProgress(stage) {
    var bar = $("#progress");
    bar.hidden = !stage;
    var at = STAGES.indexOf(stage);
    $all("li", bar).forEach(function (li, i) {
      li.classList.toggle("k-past", i < at);
      if (i === at) { li.setAttribute("aria-current", "step"); } else { li.removeAttribute("aria-current"); }
    });
  }

  /* A message sits just above the step's actions, in view and covering nothing. */
  function showMessage(text) {
    var box = $("#message");
    var actions = currentStep().querySelector(".k-actions");
    actions.parentNode.insertBefore(box, actions);
    box.textContent = text;
    box.hidden = false;
  }
  function hideMessage() { $("#message").hidden = true; $("#message").textContent = ""; }
  function busy(on) { $("#busy").hidden = !on; }

  /* ---------- card photo and codes ---------- */
  function scannedCode(text) {
    var code = String(text).toUpperCase().replace(/[^A-Z0-9]/g, "");
    if (!code || pending) { return; }
    if (state.step === "scan" && !CODE_RE.test(code)) { return; }  /* a card's own QR */
    if (state.step !== "scan" && state.step !== "code") { return; }
    var now = Date.now();
    /* the camera sees the same code many times a second: try it once per few seconds */
    if (code === lastQr.code && now - lastQr.at < 4000) { return; }
    lastQr = { code: code, at: now };
    $("#code-input").value = code.slice(0, 40);
    request("code", { code: code.slice(0, 40) });
  }

  function takePhoto() {
    if (!camera.ready()) { showMessage(t("no_camera")); return; }
    camera.capture($("#snapshot")).then(function (blob) { sendPhoto(blob, "card.jpg"); });
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
            var error = json.error || {};
            if (!(error.field && markError(error.field, null, error.message))) {
              showMessage(error.message || t("error_generic"));
            }
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
      state.page = 0;
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

  /* ---------- details: fields grow with what they hold; lists one item a line ---------- */
  function autosize(area) {
    /* one line sits in the middle of a target-high box; more lines take a thinner margin */
    area.classList.remove("k-lines");
    area.style.height = "auto";
    if (area.scrollHeight > area.clientHeight + 1) { area.classList.add("k-lines"); }
    area.style.height = (area.scrollHeight + area.offsetHeight - area.clientHeight) + "px";  /* + borders */
  }
  function fillReview() {
    FIELDS.forEach(function (f) {
      var input = $("#f-" + f);
      var value = state.fields[f];
      input.value = Array.isArray(value) ? value.join("\n") : (value || "");
      var box = input.closest(".k-field");
      box.classList.toggle("k-low", state.check.indexOf(f) >= 0);
      clearError(f);
      autosize(input);
    });
    var photo = $("#snapshot");
    $("#review-photo").hidden = !(state.captureId && photo.width);
    if (state.captureId && photo.width) {
      var thumb = $("#review-canvas");
      thumb.height = 120;
      thumb.width = Math.round(120 * photo.width / photo.height);
      thumb.getContext("2d").drawImage(photo, 0, 0, thumb.width, thumb.height);
    }
    $("#returning").hidden = !state.returning;
    $("#review-help").hidden = state.check.length === 0;
  }
  function splitList(value) {
    return value.split(/[\n,;]+/).map(function (x) { return x.trim(); }).filter(Boolean);
  }
  function readReview() {
    FIELDS.forEach(function (f) {
      var v = $("#f-" + f).value.trim();
      state.fields[f] = LIST_FIELDS.indexOf(f) >= 0 ? splitList(v) : (v.replace(/\s*\n\s*/g, " ") || null);
    });
  }
  /* The first problem of what the visitor typed, as [field, string key], or null. */
  function reviewProblem() {
    if (!state.fields.name) { return ["name", "required_name"]; }
    if (state.fields.emails.some(function (e) { return !EMAIL_RE.test(e); })) { return ["emails", "invalid_email"]; }
    if (state.fields.phones.some(function (p) { return p.replace(/\D/g, "").length < 6; })) {
      return ["phones", "invalid_phone"];
    }
    return null;
  }
  /* Show an error under a field (the text by string key, or as the server wrote it). */
  function markError(field, key, text) {
    var input = field === "code" ? $("#code-input") : $("#f-" + field);
    if (!input) { return false; }
    if (field !== "code" && state.step !== "review") { go("review"); }
    var note = $("#" + input.id + "-error");
    note.textContent = key ? t(key) : text;
    if (key) { note.dataset.key = key; } else { delete note.dataset.key; }
    note.hidden = false;
    input.closest(".k-field").classList.add("k-error");
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return true;
  }
  function clearError(field) {
    var input = field === "code" ? $("#code-input") : $("#f-" + field);
    var note = $("#" + input.id + "-error");
    note.hidden = true;
    note.textContent = "";
    input.closest(".k-field").classList.remove("k-error");
    input.removeAttribute("aria-invalid");
  }

  /* ---------- questions: the category, then one question a screen ---------- */
  function pages() {
    var list = [{ key: "category", kind: "single", required: true, label: null,
                  options: DATA.categories.map(function (c) { return { value: c, label: null }; }) }];
    return list.concat(DATA.questions);
  }
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
    var box = $("#questions");
    box.textContent = "";
    pages().forEach(function (q, i) {
      var fs = document.createElement("fieldset");
      fs.className = "k-question";
      fs.dataset.key = q.key;
      fs.hidden = i !== state.page;
      var legend = document.createElement("legend");
      legend.tabIndex = -1;
      legend.textContent = q.key === "category" ? t("category") : label(q.label);
      fs.appendChild(legend);
      var current = q.key === "category" ? state.category : state.answers[q.key];
      if (q.kind === "text") {
        var input = document.createElement("input");
        input.className = "k-input"; input.name = q.key; input.value = current || ""; input.maxLength = 200;
        input.setAttribute("aria-label", legend.textContent);
        fs.appendChild(input);
      } else {
        var opts = document.createElement("div");
        opts.className = "k-options";
        q.options.forEach(function (o) {
          var checked = q.kind === "multiple" ? (current || []).indexOf(o.value) >= 0 : current === o.value;
          var text = q.key === "category" ? t("category_" + o.value) : label(o.label);
          opts.appendChild(option(q.key, o.value, text, q.kind === "multiple" ? "checkbox" : "radio", checked));
        });
        fs.appendChild(opts);
      }
      var note = document.createElement("p");
      note.className = "k-error-text";
      note.hidden = true;
      fs.appendChild(note);
      box.appendChild(fs);
    });
  }
  function showQuestion(index) {
    var all = pages();
    state.page = Math.max(0, Math.min(index, all.length - 1));
    $all(".k-question").forEach(function (fs, i) { fs.hidden = i !== state.page; });
    $("#question-count").textContent = t("question_count")
      .replace("{n}", state.page + 1).replace("{total}", all.length);
  }
  /* Read the question on screen; show what is missing and return false if it is required. */
  function readQuestion() {
    var q = pages()[state.page];
    var fs = $all(".k-question")[state.page];
    var value;
    if (q.kind === "multiple") {
      value = $all("input:checked", fs).map(function (i) { return i.value; });
    } else if (q.kind === "text") {
      value = fs.querySelector("input").value.trim() || null;
    } else {
      var one = fs.querySelector("input:checked");
      value = one ? one.value : null;
    }
    if (q.key === "category") { state.category = value || "trade"; } else { state.answers[q.key] = value; }
    var empty = value === null || (Array.isArray(value) && value.length === 0);
    var missing = q.required && empty;
    fs.classList.toggle("k-error", missing);
    var note = fs.querySelector(".k-error-text");
    note.hidden = !missing;
    note.textContent = missing ? t("required") : "";
    if (missing) { note.dataset.key = "required"; fs.querySelector("input").focus(); }
    return !missing;
  }
  function nextQuestion() {
    if (!readQuestion()) { return; }
    if (state.page + 1 < pages().length) {
      showQuestion(state.page + 1);
      $all(".k-question")[state.page].querySelector("legend").focus({ preventScroll: true });
    } else {
      $("#consent-marketing").checked = !!state.consents.marketing;
      $("#consent-share").checked = !!state.consents.share;
      go("consent");
    }
  }
  function previousQuestion() {
    readQuestion();
    if (state.page === 0) { go("review"); return; }
    showQuestion(state.page - 1);
  }

  /* ---------- reset & idle ---------- */
  function reset() {
    camera.stop();
    state = freshState();
    $all("form").forEach(function (f) { f.reset(); });
    $all(".k-field").forEach(function (b) { b.classList.remove("k-low", "k-error"); });
    $("#done-name").textContent = "";
    $("#badge-frame").removeAttribute("src");
    delete document.body.dataset.registration;
    delete document.body.dataset.prints;
    $("#upload").value = "";
    $("#code-input").value = "";
    var photo = $("#snapshot");
    photo.width = 0;
    photo.height = 0;
    lastQr = { code: "", at: 0 };
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
    $("#idle-continue").focus();
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
      showQuestion(state.page);
      tellServerLanguage();
      return;
    }
    var step = target.getAttribute("data-go");
    if (step === "scan" && state.step === "welcome") { state = freshState(); }
    readIfVisible();
    go(step);
  });
  function readIfVisible() {
    if (state.step === "review") { readReview(); }
    if (state.step === "questions") { readQuestion(); }
  }
  ["pointerdown", "keydown", "touchstart"].forEach(function (ev) {
    document.addEventListener(ev, function () { if ($("#idle").hidden) { armIdle(); } }, { passive: true });
  });
  document.addEventListener("pointerdown", function () { lastPointer = Date.now(); }, { passive: true });
  /* Keys: Enter does the step's main action, Escape goes back (fields keep their own keys). */
  document.addEventListener("keydown", function (e) {
    if (!$("#idle").hidden || pending || e.defaultPrevented) { return; }
    /* fields, buttons and links answer Enter themselves; a box or a round does not */
    var typing = e.target.matches &&
      e.target.matches("textarea, select, button, a, input:not([type=radio]):not([type=checkbox])");
    var actions = currentStep().querySelector(".k-actions");
    if (e.key === "Enter" && !typing) {
      var primary = $all(".k-primary", actions).filter(function (b) { return !b.hidden; })[0];
      if (primary) { e.preventDefault(); primary.click(); }
    } else if (e.key === "Escape") {
      var back = actions.querySelector("[data-go], #question-back");
      if (back && state.step !== "done") { e.preventDefault(); back.click(); }
    }
  });
  $("#idle-continue").addEventListener("click", closeIdle);
  $("#print-again").addEventListener("click", printBadge);
  $("#take-photo").addEventListener("click", takePhoto);
  $("#upload-photo").addEventListener("click", function () { $("#upload").click(); });
  $("#upload").addEventListener("change", function (e) {
    var file = e.target.files[0];
    if (file) { sendPhoto(file, file.name); }
    e.target.value = "";
  });
  $("#no-card").addEventListener("click", function () {
    state.captureId = null; state.check = []; state.fields = {}; state.returning = false;
    go("review");
  });
  $("#review-retake").addEventListener("click", function () { readReview(); go("scan"); });
  $all("#review-form textarea").forEach(function (area) {
    area.addEventListener("input", function () {
      if (!area.hasAttribute("data-list") && area.value.indexOf("\n") >= 0) {
        area.value = area.value.replace(/\s*\n\s*/g, " ");
      }
      autosize(area);
      if (area.getAttribute("aria-invalid")) { clearError(area.name); }
    });
    area.addEventListener("keydown", function (e) {
      /* a list takes one item a line; any other field is one line: Enter goes on */
      if (e.key === "Enter" && !area.hasAttribute("data-list")) {
        e.preventDefault();
        $("#review-form").requestSubmit();
      }
    });
  });
  window.addEventListener("resize", function () { $all("textarea.k-input").forEach(autosize); });
  $("#code-input").addEventListener("input", function () { clearError("code"); });
  $("#code-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var code = $("#code-input").value.toUpperCase().replace(/[^A-Z0-9]/g, "");
    if (!CODE_RE.test(code)) { markError("code", "invalid_code"); return; }
    request("code", { code: code });
  });
  $("#review-form").addEventListener("submit", function (e) {
    e.preventDefault();
    readReview();
    FIELDS.forEach(clearError);
    var problem = reviewProblem();
    if (problem) { markError(problem[0], problem[1]); return; }
    state.page = 0;
    renderQuestions();
    go("questions");
  });
  $("#questions-form").addEventListener("submit", function (e) {
    e.preventDefault();
    nextQuestion();
  });
  /* A tap on a one-answer question answers it: the next question follows by itself. */
  $("#questions").addEventListener("click", function (e) {
    if (e.target.type !== "radio" || Date.now() - lastPointer > 1500) { return; }
    clearTimeout(advanceTimer);
    advanceTimer = setTimeout(nextQuestion, 350);
  });
  $("#question-back").addEventListener("click", previousQuestion);
  $("#consent-form").addEventListener("submit", function (e) {
    e.preventDefault();
    state.consents = { marketing: $("#consent-marketing").checked, share: $("#consent-share").checked };
    request("register", {
      capture_id: state.captureId, confirmation_code: state.code, fields: state.fields,
      category: state.category, answers: state.answers, consents: state.consents, language: lang
    });
  });

  camera.init({ qrWasm: DATA.urls.qrWasm });
  applyLanguage();
  go("welcome");
  armIdle();
  window.kiosk = { reset: reset, state: function () { return state; } };
})();
