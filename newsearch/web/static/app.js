// newsearch: the page works without this file. With it, changing the order, the mode or the
// page size runs the search again at once, and "/" puts the cursor in the search box.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.search");
  if (!form) {
    return;
  }
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () {
      form.submit();
    });
  });
  var box = form.querySelector("input[name=q]");
  document.addEventListener("keydown", function (event) {
    var typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement;
    if (event.key === "/" && !typing && box) {
      event.preventDefault();
      box.focus();
      box.select();
    }
  });
});
