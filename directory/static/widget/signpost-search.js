/* Signpost search for partner websites: <signpost-search postcode="HX1" categories="food,money" radius="5">.
 * A custom element with its own Shadow DOM, so the page's styles and the widget's never meet; theme it
 * with --signpost-* custom properties on the element. It reads Signpost's public JSON API (CORS) and
 * links each result to its page on Signpost. No framework; text is always set as text, never as HTML. */
(function () {
  "use strict";
  if (!window.customElements || customElements.get("signpost-search")) return;

  var script = document.currentScript;
  var SITE = new URL("./", script ? script.src : location.href);
  var count = 0;

  var CSS = [
    ":host{all:initial;display:block;box-sizing:border-box;max-width:40rem;",
    "font-family:var(--signpost-font,system-ui,-apple-system,'Segoe UI',Roboto,sans-serif);",
    "font-size:var(--signpost-font-size,1rem);line-height:1.5;color:var(--signpost-text,#1b1f24);",
    "background:var(--signpost-background,#fff);border:1px solid var(--signpost-border,#6b7280);",
    "border-radius:var(--signpost-radius,6px);padding:1rem}",
    ":host([hidden]){display:none}",
    "*,*::before,*::after{box-sizing:inherit}",
    "form{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end;margin:0}",
    ".field{display:flex;flex-direction:column;gap:.25rem;flex:1 1 12rem}",
    ".field.postcode{flex:0 1 9rem}",
    "label{font-weight:600}",
    "input{font:inherit;color:var(--signpost-text,#1b1f24);background:var(--signpost-background,#fff);",
    "border:2px solid var(--signpost-border,#6b7280);border-radius:var(--signpost-radius,6px);padding:.4rem .5rem;min-height:2.75rem;width:100%}",
    "input[aria-invalid=true]{border-color:var(--signpost-error,#b3261e)}",
    "button{font:inherit;font-weight:600;cursor:pointer;min-height:2.75rem;padding:.4rem 1rem;",
    "color:var(--signpost-accent-text,#fff);background:var(--signpost-accent,#00539f);",
    "border:2px solid var(--signpost-accent,#00539f);border-radius:var(--signpost-radius,6px)}",
    "button:hover{text-decoration:underline}",
    "button.more{margin-top:.75rem;color:var(--signpost-accent,#00539f);background:transparent}",
    ":focus-visible{outline:3px solid var(--signpost-focus,#ffbf47);outline-offset:2px}",
    "a{color:var(--signpost-accent,#00539f);text-decoration:underline;text-underline-offset:.15em}",
    "a:hover{text-decoration-thickness:3px}",
    ".status{margin:.75rem 0 0;font-weight:600}",
    ".status.error{color:var(--signpost-error,#b3261e)}",
    "ol{list-style:none;margin:.5rem 0 0;padding:0}",
    "li{padding:.75rem 0;border-top:1px solid var(--signpost-divider,#d0d5dd)}",
    "li a.name{font-size:1.1em;font-weight:700}",
    "p{margin:.25rem 0 0}",
    ".meta{color:var(--signpost-muted,#4b5563);font-size:.9em}",
    ".warning{color:var(--signpost-error,#b3261e);font-size:.9em}",
    ".credit{margin-top:.75rem;font-size:.85em;color:var(--signpost-muted,#4b5563)}"
  ].join("");

  var sheet = null;
  function styles(root) {
    if ("adoptedStyleSheets" in root && window.CSSStyleSheet && CSSStyleSheet.prototype.replaceSync) {
      if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); }
      root.adoptedStyleSheets = [sheet];
    } else {
      root.appendChild(make("style", {}, CSS));
    }
  }

  function make(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs) node.setAttribute(name, attrs[name]);
    if (text != null) node.textContent = text;
    return node;
  }

  function words(total, noun) { return total + " " + noun + (total === 1 ? "" : "s"); }

  function onSite(url) {
    try {
      var parsed = new URL(url, SITE);
      return parsed.origin === SITE.origin ? parsed.href : SITE.href;
    } catch (e) { return SITE.href; }
  }

  class SignpostSearch extends HTMLElement {
    connectedCallback() {
      if (this.shadowRoot) return;
      var n = ++count;
      var root = this.attachShadow({ mode: "open" });
      styles(root);
      var id = function (name) { return "signpost-" + n + "-" + name; };
      var label = this.getAttribute("label");
      var form = make("form", { role: "search", "aria-label": label ? label + " on Signpost" : "Search Signpost", novalidate: "" });
      var what = make("div", { class: "field" });
      what.append(make("label", { for: id("q") }, label || "Search for help and activities"),
        this.q = make("input", { id: id("q"), type: "search", name: "q", autocomplete: "off" }));
      var where = make("div", { class: "field postcode" });
      where.append(make("label", { for: id("postcode") }, "Postcode"),
        this.postcode = make("input", { id: id("postcode"), name: "postcode", autocomplete: "postal-code", "aria-describedby": id("status") }));
      this.postcode.value = this.getAttribute("postcode") || "";
      this.button = make("button", { type: "submit" }, "Search");
      form.append(what, where, this.button);
      this.status = make("p", { id: id("status"), class: "status", role: "status", "aria-live": "polite" });
      this.list = make("ol", { "aria-label": "Results" });
      this.list.hidden = true;
      this.more = make("button", { type: "button", class: "more" }, "More results");
      this.more.hidden = true;
      var credit = make("p", { class: "credit" }, "Listings from ");
      credit.append(make("a", { href: SITE.href }, "Signpost"));
      root.append(form, this.status, this.list, this.more, credit);
      form.addEventListener("submit", (event) => { event.preventDefault(); this.search(1); });
      this.more.addEventListener("click", () => this.search(this.page + 1));
      if (this.hasAttribute("autosearch")) this.search(1);
    }

    query(page) {
      var params = new URLSearchParams();
      var text = this.q.value.trim();
      var postcode = this.postcode.value.trim();
      if (text) params.set("q", text);
      if (postcode) params.set("postcode", postcode);
      (this.getAttribute("categories") || "").split(",").forEach(function (code) {
        if (code.trim()) params.append("category", code.trim());
      });
      var radius = this.getAttribute("radius");
      if (radius && postcode) params.set("radius", radius);
      params.set("per_page", String(Math.min(20, Math.max(1, parseInt(this.getAttribute("results"), 10) || 5))));
      params.set("page", String(page));
      return new URL("api/search?" + params, SITE);
    }

    async search(page) {
      // A busy flag rather than disabled buttons: disabling the focused button would drop keyboard focus.
      if (this.busy) return;
      this.busy = true;
      var first = page === 1;
      this.list.setAttribute("aria-busy", "true");
      this.say("Searching…");
      try {
        var response = await fetch(this.query(page), { headers: { Accept: "application/json" }, credentials: "omit" });
        var body = await response.json();
        if (!response.ok) return this.fail(body);
        this.postcode.removeAttribute("aria-invalid");
        this.page = body.page;
        if (first) this.list.replaceChildren();
        var added = body.results.map((result) => this.item(result));
        this.list.append.apply(this.list, added);
        this.list.hidden = body.total === 0;
        this.more.hidden = body.page >= body.pages;
        var near = body.place ? " near " + body.place.query : "";
        var shown = this.list.children.length;
        this.say(body.total === 0
          ? "No services found" + near + ". Try other words or a wider area."
          : words(body.total, "service") + " found" + near + (shown < body.total ? ", showing " + shown + "." : "."));
        if (!first && added.length) added[0].querySelector("a").focus();
      } catch (error) {
        this.say("Signpost could not be reached. Check your connection and try again.", true);
      } finally {
        this.busy = false;
        this.list.removeAttribute("aria-busy");
      }
    }

    fail(body) {
      var fields = (body && body.errors) || {};
      var messages = Object.keys(fields).map(function (name) {
        return (name === "q" ? "Search" : name.charAt(0).toUpperCase() + name.slice(1)) + ": " + [].concat(fields[name]).join(" ");
      });
      this.say(messages.join(" ") || (body && body.message) || "The search did not work. Try again.", true);
      if (fields.postcode) {
        this.postcode.setAttribute("aria-invalid", "true");
        this.postcode.focus();
      }
    }

    item(result) {
      var service = result.service;
      var li = make("li");
      li.append(make("a", { class: "name", href: onSite(service.url) }, service.name));
      if (service.summary) li.append(make("p", {}, service.summary));
      var facts = [service.organisation && service.organisation.name];
      var explained = result.explanation || {};
      facts.push(explained.where, explained.when, explained.cost);
      li.append(make("p", { class: "meta" }, facts.filter(Boolean).join(" · ")));
      (explained.warnings || []).forEach(function (text) { li.append(make("p", { class: "warning" }, text)); });
      return li;
    }

    say(text, error) {
      this.status.textContent = text;
      this.status.classList.toggle("error", !!error);
    }
  }

  customElements.define("signpost-search", SignpostSearch);
})();
