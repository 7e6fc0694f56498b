// Starts Pagefind's UI on the search page; the query from the header form (?q=) runs at once.
(function () {
  "use strict";
  var el = document.getElementById("search");
  if (!el || typeof PagefindUI === "undefined") { return; }
  var ui = new PagefindUI({
    element: "#search",
    bundlePath: el.getAttribute("data-bundle"),
    showImages: true,
    showSubResults: false,
    resetStyles: false,
  });
  var q = new URLSearchParams(window.location.search).get("q");
  if (q) { ui.triggerSearch(q); }
})();
