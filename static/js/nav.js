// The header's menu. On a phone (< 600 px) the « Menu » button shows and hides it (a disclosure:
// aria-expanded on the button, aria-controls naming the menu). Without JavaScript the button stays
// hidden (site.css) and the menu is an always visible list. The role menus are <details>: they open
// without JavaScript; here, opening one closes the others, and Escape or a click elsewhere closes them.
(function () {
  var header = document.querySelector(".site-header");
  var button = header && header.querySelector(".menu-button");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) {
    return;
  }
  header.classList.add("nav-js");
  var menus = Array.prototype.slice.call(header.querySelectorAll("details.nav-menu"));

  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("is-open", open);
  }

  function closeMenus(except) {
    menus.forEach(function (details) {
      if (details !== except) {
        details.open = false;
      }
    });
  }

  setOpen(false);
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  menus.forEach(function (details) {
    details.addEventListener("toggle", function () {
      if (details.open) {
        closeMenus(details);
      }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") {
      return;
    }
    var open = menus.filter(function (details) { return details.open; })[0];
    if (open) {
      open.open = false;
      open.querySelector("summary").focus();
    } else if (button.getAttribute("aria-expanded") === "true" && window.getComputedStyle(button).display !== "none") {
      setOpen(false);
      button.focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (!header.contains(event.target)) {
      closeMenus(null);
    }
  });
})();
