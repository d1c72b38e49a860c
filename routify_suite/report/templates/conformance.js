// Click a matrix cell (or a failure's "show cases"): copy its cases, with their transcripts,
// from the inert <template> elements into #detail and bring it into view.
(function () {
  "use strict";
  var detail = document.getElementById("detail");
  function fill(slot) {
    var source = document.getElementById(slot.getAttribute("data-x"));
    if (source) slot.appendChild(source.content.cloneNode(true));
  }
  function show(keys, title, from) {
    detail.textContent = "";
    var heading = document.createElement("h3");
    heading.textContent = title + " — " + keys.length + (keys.length === 1 ? " case" : " cases");
    detail.appendChild(heading);
    keys.forEach(function (key) {
      var template = document.getElementById(key);
      if (!template) return;
      var copy = template.content.cloneNode(true);
      copy.querySelectorAll(".slot").forEach(fill);
      detail.appendChild(copy);
    });
    var first = detail.querySelector(".case details");
    if (first) first.open = false;
    document.querySelectorAll("a.cell.active").forEach(function (a) { a.classList.remove("active"); });
    if (from && from.classList.contains("cell")) from.classList.add("active");
    detail.scrollIntoView({block: "start"});
  }
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-cases]");
    if (!target) return;
    event.preventDefault();
    show(target.getAttribute("data-cases").split(" "), target.getAttribute("data-title") || "", target);
  });
  var differs = document.getElementById("differs");
  if (differs) {
    differs.addEventListener("change", function () {
      document.getElementById("matrix-table").classList.toggle("only-diff", differs.checked);
    });
  }
  var hash = window.location.hash.slice(1);
  if (hash && document.getElementById(hash) && document.getElementById(hash).tagName === "TEMPLATE") {
    show([hash], hash, null);
  }
})();
