// Keyboard shortcuts for reviewers. Never active while typing in a field.
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
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var key = event.key;
    if (key === "j") { select(current + 1); }
    else if (key === "k") { select(current - 1); }
    else if (key === "Enter" && current >= 0) { window.location = rows[current].dataset.href; }
    else if (key === "?") { alert(document.querySelector("footer").textContent); }
    else {
      var target = document.querySelector('[data-key="' + key + '"]');
      if (!target) { return; }
      if (target.type === "radio") {
        target.checked = true;
        var reason = document.querySelector('textarea[name="reason"]');
        if (reason) { reason.focus(); }
      } else { target.click(); }
    }
    event.preventDefault();
  });
})();
