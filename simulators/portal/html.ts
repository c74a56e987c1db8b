// Small HTML helpers shared by the portal simulator's pages.

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The refusals of a form, where the page objects look for them (`.form-error`); empty when there are none. */
export function problemList(problems: string[]): string {
  if (!problems.length) return '';
  return `<ul class="form-error" role="alert">${problems.map((p) => `<li>${escapeHtml(p)}</li>`).join('')}</ul>`;
}
