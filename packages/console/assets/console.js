// Progressive enhancement only: every page works without this file. A filter form submits as
// soon as one of its selects changes, so the URL (the page's state) follows the choice.
for (const form of document.querySelectorAll('form[data-autosubmit]')) {
  for (const field of form.querySelectorAll('select')) {
    field.addEventListener('change', () => form.requestSubmit());
  }
}
