// Read the caller: makes the identifier and the phrase search live. Both pages work
// without this script (plain GET forms); no inline script, the CSP forbids it.
(function () {
  "use strict";

  // --- the quick identifier: the reading follows every tap -------------------------
  function identifier(form) {
    var target = document.getElementById("caller-reading");
    var url = form.getAttribute("data-reading-url");
    var pending = null;
    form.classList.add("live");

    function query() {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (value !== "") { params.append(name, value); }
      });
      return params.toString();
    }

    function markChecks() {
      var bar = target.querySelector("[data-needs]");
      var needs = bar ? bar.getAttribute("data-needs").split(" ") : [];
      form.querySelectorAll("[data-cue]").forEach(function (el) {
        el.classList.toggle("check-next", needs.indexOf(el.getAttribute("data-cue")) !== -1);
      });
    }

    function update() {
      var qs = query();
      if (pending) { pending.abort(); }
      pending = new AbortController();
      fetch(url + (qs ? "?" + qs : ""), { signal: pending.signal, headers: { "Accept": "text/html" } })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          target.innerHTML = html;
          markChecks();
          // A reload or a shared link keeps what was tapped.
          history.replaceState(null, "", form.getAttribute("action") + (qs ? "?" + qs : ""));
        })
        .catch(function () { /* aborted by a newer tap, or offline: the form still submits */ });
    }

    form.addEventListener("change", update);
  }

  // --- the phrase bank: filter as you type, in both languages ---------------------
  function phraseSearch(input) {
    var count = document.getElementById("phrase-count");
    var template = count ? count.getAttribute("data-template") : "{n}";
    var none = document.getElementById("phrase-none");
    function filter() {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      document.querySelectorAll("[data-search]").forEach(function (el) {
        var text = el.getAttribute("data-search");
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        el.hidden = !match;
        if (match) { shown += 1; }
      });
      // A section (and its jump link) with no match goes; no match anywhere: one message.
      document.querySelectorAll("[data-group], [data-section]").forEach(function (el) {
        el.hidden = !el.querySelector("[data-search]:not([hidden])");
        var jump = el.id && document.querySelector("[data-jump='" + el.id + "']");
        if (jump) { jump.hidden = el.hidden; }
      });
      if (none) {
        none.hidden = shown > 0 || !words.length;
        none.textContent = none.hidden ? "" : none.getAttribute("data-template").replace("{q}", input.value.trim());
      }
      if (count) { count.textContent = words.length ? template.replace("{n}", shown) : ""; }
    }
    input.addEventListener("input", filter);
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-action='print']")) { window.print(); }
  });

  function init() {
    var form = document.getElementById("caller-form");
    if (form) { identifier(form); }
    var search = document.getElementById("phrase-q");
    if (search) { phraseSearch(search); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
