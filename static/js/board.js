// The supervisor's planning grid (insertion/templates/insertion/board.html).
// - Drag a job onto a person's row (same day) to give them a seat, from another person's row to
//   swap who holds it, or back onto « À attribuer » to free the seat (asked first, in the dialog). The server checks every rule
//   and answers with the board redrawn; a refusal is said at the top of the board, nothing changes.
// - Opening a job (click, Enter) shows the picker: only the people who may take it, the others
//   with their reason. That is also the keyboard way of doing everything a drag does.
// Without JavaScript, each job is a link to the picker's own page and its forms post normally.
(function () {
  "use strict";

  var dragged = null;

  function board() { return document.getElementById("board"); }
  function picker() { return document.getElementById("picker"); }

  function csrfToken() {
    var input = board() && board().querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function redraw(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("board");
    var current = board();
    if (!fresh || !current) { window.location.reload(); return; }
    current.replaceWith(fresh);
    if (window.htmx) { window.htmx.process(fresh); }
    var status = document.getElementById("board-status");
    if (status && status.textContent.trim()) { status.setAttribute("tabindex", "-1"); }
  }

  function post(url, fields) {
    var body = new URLSearchParams(fields);
    board().setAttribute("aria-busy", "true");
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
    }).then(function (response) { return response.text(); }).then(redraw, function () {
      window.location.reload();
    });
  }

  // Taking a person off a job is asked first, in the picker's dialog: the server answers the unconfirmed
  // POST with the question (htmx swaps it in, and the dialog opens as for any choice), or with the board
  // if the seat changed meanwhile (HX-Retarget); only the question's « Oui » acts.
  function askUnassign(url, worker) {
    if (!window.htmx) { post(url, { worker: worker }); return; }  // the server still asks: the page shows it
    window.htmx.ajax("POST", url, {
      target: "#picker-body",
      swap: "innerHTML",
      values: { worker: worker, csrfmiddlewaretoken: csrfToken() },
    });
  }

  function cellOf(element) { return element && element.closest ? element.closest("td[data-drop]") : null; }

  function accepts(cell) {
    return dragged && cell && cell.dataset.day === dragged.day && cell.dataset.worker !== dragged.worker;
  }

  document.addEventListener("dragstart", function (event) {
    var block = event.target.closest && event.target.closest(".ins-block[draggable=true]");
    if (!block) { return; }
    dragged = {
      job: block.dataset.job, worker: block.dataset.worker, day: block.dataset.day,
      assign: block.dataset.assign, unassign: block.dataset.unassign,
    };
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", block.dataset.job);
    document.body.classList.add("ins-dragging");
    document.querySelectorAll("td[data-drop]").forEach(function (cell) {
      cell.classList.toggle("ins-drop-ok", accepts(cell));
    });
  });

  document.addEventListener("dragend", function () {
    dragged = null;
    document.body.classList.remove("ins-dragging");
    document.querySelectorAll(".ins-drop-ok, .ins-drop-over").forEach(function (cell) {
      cell.classList.remove("ins-drop-ok", "ins-drop-over");
    });
  });

  document.addEventListener("dragover", function (event) {
    var cell = cellOf(event.target);
    if (accepts(cell)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      cell.classList.add("ins-drop-over");
    }
  });

  document.addEventListener("dragleave", function (event) {
    var cell = cellOf(event.target);
    if (cell && !cell.contains(event.relatedTarget)) { cell.classList.remove("ins-drop-over"); }
  });

  document.addEventListener("drop", function (event) {
    var cell = cellOf(event.target);
    if (!accepts(cell)) { return; }
    event.preventDefault();
    var move = dragged;
    dragged = null;
    if (cell.dataset.worker === "") {
      if (move.worker) { askUnassign(move.unassign, move.worker); }
      return;
    }
    var fields = { worker: cell.dataset.worker };
    if (move.worker) { fields.remplace = move.worker; }
    post(move.assign, fields);
  });

  // The picker: opened when htmx has put a job's choices in it, closed once a choice redrew the board.
  document.addEventListener("htmx:afterSwap", function (event) {
    var dialog = picker();
    if (dialog && event.detail.target && event.detail.target.id === "picker-body" && !dialog.open) {
      dialog.showModal();
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var dialog = picker();
    var target = event.detail.target;
    if (dialog && dialog.open && event.detail.successful && target && target.id === "board") {
      dialog.close();
    }
  });

  // The planner takes a few seconds: say so, and do not let a second click start it twice.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-busy")) { return; }
    var busy = form.parentNode.querySelector(".ins-busy");
    if (busy) { busy.hidden = false; }
    window.setTimeout(function () {
      form.querySelectorAll("button").forEach(function (button) { button.disabled = true; });
    }, 0);
  });
})();
