// Skip logic while filling in an assessment. The form posts each change (HTMX, nothing
// saved); the server answers which items and sections its rules show, in the
// "bahali:relevance" event, and this shows or hides them. Inputs are never redrawn, so
// nothing being typed is lost, and the rules are evaluated in one place: the server.
document.addEventListener("bahali:relevance", function (event) {
  var shown = event.detail || {};
  var items = new Set(shown.items || []);
  var sections = new Set(shown.sections || []);
  document.querySelectorAll("[data-item]").forEach(function (element) {
    element.hidden = !items.has(element.dataset.item);
  });
  document.querySelectorAll("[data-section]").forEach(function (element) {
    element.hidden = !sections.has(element.dataset.section);
  });
});
