// The sign-in form: posts the key, then reloads the page first asked for (the server serves
// it once the session cookie is set). Messages are set as text, never as markup.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("signin");
  const error = document.getElementById("signin-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const key = document.getElementById("key").value;
    let response;
    try {
      response = await fetch("/api/v1/session", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ key }),
        credentials: "same-origin",
      });
    } catch (e) {
      error.textContent = "The server did not answer: " + e.message;
      return;
    }
    if (response.status === 204) {
      window.location.reload();
      return;
    }
    let message = "Sign-in failed (" + response.status + ")";
    try {
      const body = await response.json();
      if (body && typeof body.error === "string") message = body.error;
    } catch (e) { /* not JSON: keep the status */ }
    error.textContent = message;
  });
});
