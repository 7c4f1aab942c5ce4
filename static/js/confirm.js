// Destructive actions confirm first: a form with data-confirm asks before it is sent (plain forms and
// htmx ones alike). Without JavaScript the form is sent as is; the server still checks every rule.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);
