// Behaviour every page shares, as a static file: the Content-Security-Policy allows no inline event handlers.
//  - an element with data-print prints the page;
//  - a form with data-confirm asks before it is sent (the question is the attribute's text).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var trigger = event.target.closest("[data-print]");
    if (trigger) {
      event.preventDefault();
      window.print();
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
