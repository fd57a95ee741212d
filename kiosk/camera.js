/* Expo CRM kiosk camera: the stream, QR codes of confirmations, and the card photo.
 *
 * While the camera is on, frames are read for a QR code (the browser's BarcodeDetector where
 * it reads QR, else the zxing-wasm reader the app vendors for its gate scanner).
 * Exposes window.KioskCamera; knows nothing of the kiosk's steps. */
(function () {
  "use strict";

  var stream = null;
  var video = null;
  var handlers = {};
  var qr = { reader: null, timer: null, reading: false, wasmUrl: null };
  var canvasQr = document.createElement("canvas");

  /* Start filming into `video` (a no-op if it already is); `on` has onQr(text) and onError(). */
  function start(target, on) {
    handlers = on || {};
    if (stream && video === target) { return; }
    stop();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      if (handlers.onError) { handlers.onError(); }
      return;
    }
    video = target;
    navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1920 }, height: { ideal: 1080 } }, audio: false })
      .then(function (s) {
        if (video !== target || stream) { s.getTracks().forEach(function (tr) { tr.stop(); }); return; }
        stream = s;
        target.onloadedmetadata = function () {
          if (target.videoWidth) { target.parentNode.style.setProperty("--ar", target.videoWidth / target.videoHeight); }
        };
        target.srcObject = s;
        startQr();
      })
      .catch(function () { if (video === target && handlers.onError) { handlers.onError(); } });
  }

  function stop() {
    stopQr();
    if (stream) { stream.getTracks().forEach(function (tr) { tr.stop(); }); }
    stream = null;
    if (video) { video.srcObject = null; }
    video = null;
  }

  function ready() { return !!(stream && video && video.readyState >= 2 && video.videoWidth); }

  /* Draw the current frame, at the camera's full resolution and as the camera sees it, into
     `canvas`; resolve with it as a JPEG blob. */
  function capture(canvas) {
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.92); });
  }

  /* ---------- QR codes ---------- */
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
          return path.endsWith(".wasm") ? qr.wasmUrl : prefix + path;
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
    if (qr.reading || !ready() || (handlers.paused && handlers.paused())) { return; }
    qr.reading = true;
    var source = video;
    qrReader().then(function (read) {
      if (!read) { stopQr(); return null; }
      var scale = Math.min(1, 960 / Math.max(source.videoWidth, source.videoHeight));
      canvasQr.width = Math.round(source.videoWidth * scale);
      canvasQr.height = Math.round(source.videoHeight * scale);
      var ctx = canvasQr.getContext("2d", { willReadFrequently: true });
      ctx.drawImage(source, 0, 0, canvasQr.width, canvasQr.height);
      return read(canvasQr, ctx);
    }).then(function (text) { if (text && source === video && handlers.onQr) { handlers.onQr(text); } })
      .catch(function () { /* an unreadable frame: try the next one */ })
      .then(function () { qr.reading = false; });
  }

  window.KioskCamera = {
    init: function (options) { qr.wasmUrl = options.qrWasm; },
    start: start,
    stop: stop,
    ready: ready,
    capture: capture
  };
})();
