// The review pages' behaviour: keyboard shortcuts (never while typing in a field), blurring a
// revealed image again after the reviewer's set time, and the break prompt.
// Time comes only from Date.now, setTimeout and setInterval, so tests drive it with
// Playwright's clock (page.clock) instead of sleeping.
(function () {
  "use strict";
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr[data-href]"));
  var current = -1;
  function select(index) {
    if (!rows.length) { return; }
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) { row.classList.toggle("selected", i === current); });
    rows[current].scrollIntoView({ block: "nearest" });
    var link = rows[current].querySelector("a");
    if (link) { link.focus(); }
  }
  function help() {
    var keys = document.querySelector("footer .keys");
    if (keys) { keys.scrollIntoView(); keys.setAttribute("tabindex", "-1"); keys.focus(); }
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (document.querySelector("dialog[open]")) { return; }
    var key = event.key;
    if (key === "j") { select(current + 1); }
    else if (key === "k") { select(current - 1); }
    else if (key === "Enter" && current >= 0 && event.target === document.body) {
      window.location = rows[current].dataset.href;
    }
    else if (key === "?") { help(); }
    else {
      var target = document.querySelector('[data-key="' + key + '"]');
      if (!target) { return; }
      if (target.type === "radio") {
        target.checked = true;
        target.dispatchEvent(new Event("change", { bubbles: true }));
        var reason = document.querySelector('textarea[name="reason"]');
        if (reason) { reason.focus(); }
      } else { target.click(); }
    }
    event.preventDefault();
  });

  // A revealed image blurs again after the reviewer's set time: the unblurred bytes leave
  // the page (the image element is replaced), not just the view.
  Array.prototype.forEach.call(document.querySelectorAll("img.revealed[data-reblur-seconds]"),
    function (img) {
      var seconds = parseInt(img.dataset.reblurSeconds, 10) || 15;
      setTimeout(function () {
        var frame = img.closest(".reveal-frame") || img;
        var blurred = document.createElement("img");
        blurred.src = img.dataset.blurred;
        blurred.alt = img.alt.replace("revealed", "blurred");
        blurred.className = "blurred";
        frame.replaceWith(blurred);
        var caption = blurred.parentNode.querySelector("figcaption");
        if (caption) { caption.textContent = "Blurred again after " + seconds + " seconds."; }
        document.body.classList.add("reblurred");
      }, seconds * 1000);
    });

  // After break-minutes signed in, suggest a break; "remind me" asks again 15 minutes on.
  var body = document.body;
  var dialog = document.getElementById("break-prompt");
  var start = Date.parse(body.dataset.sessionStart || "");
  var minutes = parseInt(body.dataset.breakMinutes || "0", 10);
  var SNOOZE = "sg-break-snooze-until";
  function due() {
    var snoozed = parseInt(window.sessionStorage.getItem(SNOOZE) || "0", 10);
    return Date.now() - start >= minutes * 60000 && Date.now() >= snoozed;
  }
  function check() {
    if (!dialog || dialog.open || !due()) { return; }
    var shown = dialog.querySelector(".minutes");
    if (shown) { shown.textContent = String(Math.floor((Date.now() - start) / 60000)); }
    dialog.showModal();
  }
  if (dialog && !isNaN(start) && minutes > 0) {
    dialog.querySelector(".snooze").addEventListener("click", function () {
      window.sessionStorage.setItem(SNOOZE, String(Date.now() + 15 * 60000));
      dialog.close();
    });
    check();
    setInterval(check, 30000);
  }
})();
