// Submit a form as soon as one of its `data-autosubmit` controls changes (the calendar's
// location, the series course). A static file rather than onchange="…", so the
// Content-Security-Policy can refuse every inline script.
document.addEventListener("change", (event) => {
  const control = event.target;
  if (control instanceof Element && control.matches("[data-autosubmit]") && control.form) control.form.submit();
});
