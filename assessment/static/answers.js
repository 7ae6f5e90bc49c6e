// A questionnaire page (self or observer) keeps what was ticked in this tab's
// sessionStorage until it is sent: a reload, or a trip away and back, brings the answers
// of the page in view back. The server keeps every page that was sent; this covers the
// page not sent yet. It also takes a validation message away once its statement is
// answered, and sends the back button after finishing to where the form led.
(function () {
  "use strict";
  var form = document.querySelector("form[data-keep]");
  if (!form) { return; }
  var key = "zhiji:answers:" + form.getAttribute("data-keep");
  var store = null;
  try { store = window.sessionStorage; store.getItem(key); } catch (e) { store = null; }

  function read() {
    try { return JSON.parse(store.getItem(key)) || {}; } catch (e) { return {}; }
  }
  function write(saved) {
    try {
      if (Object.keys(saved).length) { store.setItem(key, JSON.stringify(saved)); } else { store.removeItem(key); }
    } catch (e) { /* storage full or refused: the server still keeps each sent page */ }
  }
  function radio(name, value) {
    var found = null;
    form.querySelectorAll("input[type=radio]").forEach(function (input) {
      if (input.name === name && input.value === String(value)) { found = input; }
    });
    return found;
  }

  // A statement answered: its message goes, and so does its line in the summary.
  var summary = document.getElementById("error-summary");
  function settle(fieldset) {
    if (!fieldset || !fieldset.classList.contains("has-error")) { return; }
    fieldset.classList.remove("has-error");
    fieldset.removeAttribute("aria-describedby");
    var message = fieldset.querySelector(".field-error");
    if (message) { message.remove(); }
    fieldset.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    if (!summary) { return; }
    summary.querySelectorAll("a").forEach(function (a) {
      if (a.getAttribute("href") === "#" + fieldset.id) { a.closest("li").remove(); }
    });
    var left = summary.querySelectorAll("li").length;
    var heading = summary.querySelector("h2");
    if (!left) { summary.hidden = true; return; }
    var template = summary.getAttribute(left === 1 ? "data-one" : "data-many");
    if (heading && template) { heading.textContent = template.replace("{n}", left); }
  }

  if (store) {
    var saved = read();
    Object.keys(saved).forEach(function (name) {
      var input = radio(name, saved[name]);
      if (input) { input.checked = true; settle(input.closest("fieldset")); }
    });
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "radio") { return; }
    if (store) { var saved = read(); saved[input.name] = input.value; write(saved); }
    settle(input.closest("fieldset"));
  });

  // Sent: the server has this page now. Finishing forgets the whole session.
  form.addEventListener("submit", function (event) {
    if (!store) { return; }
    var back = event.submitter && event.submitter.name === "back";
    if (form.getAttribute("data-last") === "true" && !back) { write({}); return; }
    var saved = read();
    form.querySelectorAll("input[type=radio]").forEach(function (input) { delete saved[input.name]; });
    write(saved);
  });

  // Back to a page kept whole in the browser's memory: ask the server again, which sends
  // a finished session to its result.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });
})();
