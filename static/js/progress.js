// Progressive enhancement: tell the reader a slow form is working, and stop double submits.
document.querySelectorAll("form[data-progress]").forEach((form) => {
  form.addEventListener("submit", () => {
    const status = document.getElementById(form.dataset.progress);
    const button = form.querySelector("button[type=submit]");
    if (status) {
      status.textContent = status.dataset.busy || status.textContent;
      status.classList.add("busy");
    }
    if (button) {
      button.setAttribute("aria-disabled", "true");
      // Re-enable after a while: an inline PDF may open without leaving the page.
      setTimeout(() => button.removeAttribute("aria-disabled"), 8000);
    }
  });
});
