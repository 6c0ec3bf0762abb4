// Batch review of possible duplicates: S = same person, D = different people, N = skip.
// Keys are ignored while typing in a field; the buttons do the same with a click.
(function () {
  "use strict";
  var page = document.querySelector("[data-review-keys]");
  if (!page) return;
  var keys = { s: "same", d: "different", n: "skip" };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    var action = keys[(event.key || "").toLowerCase()];
    if (!action) return;
    var control = page.querySelector('[data-review-action="' + action + '"]');
    if (!control) return;
    event.preventDefault();
    control.click();
  });
  page.setAttribute("data-keys-ready", "");  // tests wait for it before pressing keys
})();
