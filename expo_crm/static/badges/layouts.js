/* Badge layouts: colour pickers and a live preview of each category's badge. */
(function () {
  "use strict";
  document.querySelectorAll(".layout-editor").forEach(function (section) {
    var form = section.querySelector("form");
    var img = section.querySelector("img.preview");
    var colours = form.querySelectorAll("input[name$='band_color'], input[name$='text_color']");
    colours.forEach(function (input) { input.type = "color"; });
    function refresh() {
      var size = form.querySelector("select[name$='size']").value;
      var band = form.querySelector("input[name$='band_color']").value;
      var textc = form.querySelector("input[name$='text_color']").value;
      var url = new URL(img.dataset.src, window.location.href);
      url.searchParams.set("size", size);
      url.searchParams.set("band", band);
      url.searchParams.set("text", textc);
      img.src = url.toString();
    }
    form.addEventListener("change", refresh);
  });
})();
