// Progressive enhancement: preselect the device's time zone in the time zone select.
// Without JavaScript the select keeps the server's default (Europe/London, or the saved zone) and
// it stays editable either way. A choice already made (editing, or a form sent back with errors)
// is never replaced.
(() => {
  let zone = "";
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return;
  }
  document.querySelectorAll("input[data-timezone-for]").forEach((hidden) => {
    hidden.value = zone;
    const select = document.getElementById(hidden.dataset.timezoneFor);
    if (!select || hidden.dataset.keepChoice === "true") {
      return;
    }
    if (Array.from(select.options).some((option) => option.value === zone)) {
      select.value = zone;
    }
  });
})();
