// The participant card's print button; printing shows the card alone (field/card.html).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});
