// kassa: progressive enhancement only; every page works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  // Changing the customer type re-renders the checkout form (the payment
  // methods depend on it); without JavaScript the "Update" button does it.
  document.querySelectorAll("input[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () {
      var form = el.form;
      var action = document.createElement("input");
      action.type = "hidden";
      action.name = "action";
      action.value = "update";
      form.appendChild(action);
      form.submit();
    });
  });
})();
