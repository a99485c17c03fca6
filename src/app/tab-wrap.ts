const TABBABLE =
  'a[href],button:not([disabled]),input:not([disabled]):not([type="hidden"]),select:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex="-1"])';

/**
 * Keeps Tab and Shift+Tab inside Connect, as the dialog pattern asks: past the last control focus comes back to the
 * first, and before the first it goes to the last. The page around is inert and the dialog holds nothing but this
 * frame, so without it focus would leave for the browser's own toolbar.
 */
export function wrapTab(e: KeyboardEvent): void {
  if (e.key !== "Tab" || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
  const items = [...document.querySelectorAll<HTMLElement>(TABBABLE)].filter((el) => !el.closest("[hidden],[inert]"));
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) return;
  const active = document.activeElement;
  const outside = !active || !items.includes(active as HTMLElement);
  if (e.shiftKey ? active === first || (outside && active === document.body) : active === last) {
    e.preventDefault();
    (e.shiftKey ? last : first).focus();
  }
}
