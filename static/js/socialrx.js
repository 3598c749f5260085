// Behaviour every page shares. All script lives in files under static/ because the Content
// Security Policy (script-src 'self') runs no inline script, no on* attributes and no hx-on.
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();

// nhsuk-frontend focuses an error summary only when the page loads; an htmx form that comes
// back with errors swaps one in later, so move focus to it the same way. Summaries already on
// the page are nhsuk-frontend's; only a newly swapped-in one moves focus.
const unseen = ".nhsuk-error-summary:not([data-sx-seen])";
function markSeen() {
  document.querySelectorAll(unseen).forEach((el) => el.setAttribute("data-sx-seen", ""));
}
markSeen();
document.body.addEventListener("htmx:afterSettle", () => {
  const summary = document.querySelector(unseen);
  markSeen();
  if (summary) summary.focus();
});

// <button data-sx-print>: prints the page (feedback letters, certificates).
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-sx-print]") : null;
  if (button) window.print();
});

document.body.addEventListener("htmx:afterRequest", (event) => {
  const form = event.detail.elt;
  if (!(form instanceof HTMLFormElement) || !event.detail.successful) return;
  // <form data-sx-reset-after="id">: cleared once its answer went into that element (and not
  // when the form came back with errors in its own place).
  const resetAfter = form.dataset.sxResetAfter;
  if (resetAfter && event.detail.target && event.detail.target.id === resetAfter) form.reset();
});
