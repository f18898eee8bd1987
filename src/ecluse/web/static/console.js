// Ecluse console: keyboard shortcuts and confirmations only. Everything works without it.
(function () {
  "use strict";
  var rows = function () { return Array.prototype.slice.call(document.querySelectorAll("tr[data-row]")); };
  var current = -1;
  var pendingG = false;

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function select(index) {
    var all = rows();
    if (!all.length) { return; }
    current = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) { row.classList.toggle("current", i === current); });
    var link = all[current].querySelector("a");
    if (link) { link.focus(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    var help = document.getElementById("help");
    if (pendingG) {
      pendingG = false;
      if (event.key === "q") { window.location.href = "/queue"; }
      return;
    }
    switch (event.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "g": pendingG = true; break;
      case "r": {
        var field = document.getElementById("reveal-field");
        if (field) { event.preventDefault(); field.focus(); }
        break;
      }
      case "n": {
        var note = document.getElementById("note-text");
        if (note) { event.preventDefault(); note.focus(); }
        break;
      }
      case "?":
        if (help && typeof help.showModal === "function") { help.showModal(); }
        break;
      default: return;
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
})();
