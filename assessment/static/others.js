// How others see me: loads the others' block into the (cached) result page, posts new
// rating links from it, and copies a link. Without JS the block's plain link leads to
// /r/<token>/others, the same view as a page of its own.
(function () {
  "use strict";

  function drawFigures(root) {
    root.querySelectorAll("[data-figure]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-figure"));
      if (!source || !window.Plotly) { return; }
      var fig = JSON.parse(source.textContent);
      window.Plotly.newPlot(el, fig.data, fig.layout, fig.config).then(function () {
        el.setAttribute("data-drawn", "true");
      });
    });
  }

  function fill(block, html) {
    block.innerHTML = html;
    block.setAttribute("data-loaded", "true");
    drawFigures(block);
    var fresh = block.querySelector(".rate-links .new input");
    if (fresh) { fresh.focus(); fresh.select(); }
  }

  function load(block) {
    fetch(block.getAttribute("data-others-src"), {
      credentials: "same-origin", headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.text();
    }).then(function (html) { fill(block, html); }).catch(function () {
      block.setAttribute("data-loaded", "failed");  // the plain link stays
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-others-form]");
    var block = form && form.closest("[data-others-src]");
    if (!block) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    fetch(form.action, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    }).then(function (response) {
      return response.text();
    }).then(function (html) { fill(block, html); }).catch(function () {
      form.submit();
    });
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) { return; }
    input.focus();
    input.select();
    var done = function () { button.textContent = button.getAttribute("data-copied"); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {
        if (document.execCommand("copy")) { done(); }
      });
    } else if (document.execCommand("copy")) {
      done();
    }
  });

  function start() {
    document.querySelectorAll("[data-others-src]").forEach(load);
  }
  // Deferred scripts all run before DOMContentLoaded: plotly is there by then.
  if (document.readyState === "complete") {
    start();
  } else {
    document.addEventListener("DOMContentLoaded", start);
  }
})();
