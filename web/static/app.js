// Progressive enhancement only: the page works without JavaScript.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("q");
  if (box && box.value) { box.setSelectionRange(box.value.length, box.value.length); }
});
