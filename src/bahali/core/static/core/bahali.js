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
