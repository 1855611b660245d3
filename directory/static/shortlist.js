/* Shortlist enhancements. Everything works without this file: it only adds a "Copy text"
   button beside the plain text and a "Print" button on the print view. */
(function () {
  "use strict";

  function button(label, className) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = className;
    b.textContent = label;
    return b;
  }

  function fallbackCopy(field) {
    field.focus();
    field.select();
    try {
      return document.execCommand("copy");
    } catch (e) {
      return false;
    }
  }

  var text = document.getElementById("plain-text");
  var status = document.querySelector(".copy-status");
  if (text && status) {
    var copy = button("Copy text", "secondary copy-button");
    text.insertAdjacentElement("afterend", copy);
    copy.addEventListener("click", function () {
      var done = function () { status.textContent = "Copied " + text.value.length + " characters. Paste them into a text message or email."; };
      var failed = function () { status.textContent = "Could not copy: select the text and copy it yourself."; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text.value).then(done, function () { (fallbackCopy(text) ? done : failed)(); });
      } else {
        (fallbackCopy(text) ? done : failed)();
      }
    });
  }

  var slot = document.querySelector(".print-button-slot");
  if (slot && window.print) {
    var print = button("Print", "print-button");
    slot.appendChild(print);
    print.addEventListener("click", function () { window.print(); });
  }
})();
