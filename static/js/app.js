// Progressive enhancement only: every page works without this file.
// After a form comes back with errors, move focus to the error summary so keyboard and
// screen-reader users start from the list of problems.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
});
