// A table wider than its box (a phone, a long name) says that it scrolls: the box gets
// the class "overflows" (edge shadows in style.css) and a line above it saying so.
// Tables loaded later (the others' block) are checked when they arrive.
(function () {
  "use strict";
  var me = document.currentScript;
  var hint = me ? me.getAttribute("data-scroll-hint") : "";

  function check(wrap) {
    var over = wrap.scrollWidth > wrap.clientWidth + 1;
    wrap.classList.toggle("overflows", over);
    var line = wrap.previousElementSibling;
    var has = line && line.classList.contains("scroll-hint");
    if (over && !has && hint) {
      line = document.createElement("p");
      line.className = "scroll-hint";
      line.textContent = hint;
      wrap.parentNode.insertBefore(line, wrap);
    } else if (!over && has) {
      line.remove();
    }
  }
  function checkAll() { document.querySelectorAll(".table-wrap").forEach(check); }

  var pending = false;
  function soon() {
    if (pending) { return; }
    pending = true;
    window.requestAnimationFrame(function () { pending = false; checkAll(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    checkAll();
    new MutationObserver(function (changes) {
      if (changes.some(function (c) { return c.target.closest && !c.target.closest(".scroll-hint"); })) { soon(); }
    }).observe(document.getElementById("main") || document.body, { childList: true, subtree: true });
  });
  window.addEventListener("resize", soon);
})();
