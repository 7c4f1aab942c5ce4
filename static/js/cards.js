// Tables read as cards on a phone (site.css, « phone »): each body cell gets its column's heading in
// data-label, which the phone layout prints before the value. Progressive enhancement: without
// JavaScript a table stays a table (in its scrolling box). A table that must stay a table on a phone
// (a planning grid…) says so with data-keep-table or the class keep-table, on itself or an ancestor.
(function () {
  "use strict";
  var KEEP = "[data-keep-table], .keep-table, .ins-board";

  function headings(table) {
    var head = table.tHead;
    if (!head || !head.rows.length) { return null; }
    var row = head.rows[head.rows.length - 1];
    var names = [];
    for (var i = 0; i < row.cells.length; i++) {
      var text = row.cells[i].textContent.replace(/\s+/g, " ").trim();
      for (var span = 0; span < (row.cells[i].colSpan || 1); span++) { names.push(text); }
    }
    return names;
  }

  function label(table) {
    if (table.closest(KEEP) || table.classList.contains("table-cards")) { return; }
    var names = headings(table);
    if (!names || names.length < 3) { return; } // two columns fit a phone as they are
    var sections = Array.prototype.slice.call(table.tBodies);
    if (table.tFoot) { sections.push(table.tFoot); }
    sections.forEach(function (section) {
      Array.prototype.forEach.call(section.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label") && cell.tagName === "TD") {
            cell.setAttribute("data-label", names[column] || "");
          }
          column += cell.colSpan || 1;
        });
      });
    });
    table.classList.add("table-cards");
  }

  function labelAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll("table"), label);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { labelAll(document); });
  } else {
    labelAll(document);
  }
  // Parts of pages replaced by htmx (a cart line, a laundry row, the board) are labelled again.
  document.addEventListener("htmx:afterSettle", function () { labelAll(document); });
})();
