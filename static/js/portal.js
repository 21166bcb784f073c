// Small enhancements; every page works without them. Loaded from a file, as the content
// security policy allows no inline script.
document.documentElement.classList.add("js");

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});

// After a failed submission, take keyboard and screen-reader users to the list of mistakes.
document.addEventListener("DOMContentLoaded", () => {
  const summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});

// Pages are never kept in the browser's storage (htmx-config: historyCacheSize 0); drop
// what an earlier version of the portal may have left there.
try {
  sessionStorage.removeItem("htmx-history-cache");
} catch (error) {
  // Storage refused (private mode): there is nothing to remove.
}
