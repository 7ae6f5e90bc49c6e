// Draws every figure on the page from its JSON island (see templates/_macros.html),
// and wires the few buttons that need script. No inline script: the CSP forbids it.
(function () {
  "use strict";

  function draw() {
    document.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source || !window.Plotly) { return; }
      var fig = JSON.parse(source.textContent);
      window.Plotly.newPlot(el, fig.data, fig.layout, fig.config).then(function () {
        el.setAttribute("data-drawn", "true");
      });
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-action='print']");
    if (target) { window.print(); }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
