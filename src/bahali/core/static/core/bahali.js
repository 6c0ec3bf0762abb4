// Shared behaviour of every page (a static file: the Content-Security-Policy allows no
// inline script). A scrolling tab strip shows its active tab, also on a phone.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const active of document.querySelectorAll(".bahali-tabs .nav-link.active")) {
    const strip = active.closest(".bahali-tabs");
    const box = strip.getBoundingClientRect();
    const tab = active.getBoundingClientRect();
    if (tab.left < box.left || tab.right > box.right) {
      strip.scrollLeft += tab.left + tab.width / 2 - (box.left + box.width / 2);
    }
  }
});

// A create form's one-time token (core/once.py) goes back with the form. Back re-fetches
// the page (pages are not cached) with fresh tokens while the browser puts back what the
// fields held: the filled form would be sent as new. So the token a form was sent with is
// kept for the tab (sessionStorage), and a page reached by Back or Forward sends its forms
// with the tokens they were sent with before, which the server refuses a second time.
document.addEventListener("DOMContentLoaded", () => {
  const tokens = document.querySelectorAll("form input[name=form_token]");
  if (!tokens.length || !window.sessionStorage) return;
  const [entry] = performance.getEntriesByType("navigation");
  const returned = entry && entry.type === "back_forward";
  tokens.forEach((token, index) => {
    const key = `form_token ${location.pathname}${location.search} ${index}`;
    const sent = sessionStorage.getItem(key);
    if (returned && sent) token.value = sent;
    token.form.addEventListener("submit", () => sessionStorage.setItem(key, token.value));
  });
});
