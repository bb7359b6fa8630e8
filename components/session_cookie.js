// The sign-in cookie is HttpOnly and set by the server (serve.py, db/sessions.py):
// the app's script cannot set cookies, so after a sign-in it shows a hidden
// element with a one-time ticket, which this script trades at the server for
// the cookie; after a sign-out or an ended session an element asks the server
// to delete the cookie. The cookie itself is never visible to any script.
(() => {
  "use strict";
  const done = new Set();
  const post = (path, body) =>
    fetch(new URL(path, document.baseURI), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "text/plain" },
      body,
    }).catch(() => {}); // without the cookie the user is only asked to sign in again later

  function act() {
    for (const element of document.querySelectorAll("[data-sitzung-ticket]")) {
      const ticket = element.getAttribute("data-sitzung-ticket");
      if (!done.has(ticket)) {
        done.add(ticket);
        post("_sitzung", ticket);
      }
    }
    for (const element of document.querySelectorAll("[data-sitzung-ende]")) {
      const end = "ende:" + element.getAttribute("data-sitzung-ende");
      if (!done.has(end)) {
        done.add(end);
        post("_sitzung/ende", "");
      }
    }
  }
  new MutationObserver(act).observe(document.documentElement, { subtree: true, childList: true });
})();
