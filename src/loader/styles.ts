/** Class of the `<dialog>` the loader adds; the style sheet below is scoped to it. */
export const DIALOG_CLASS = "hc-connect";
/** Class of the app's iframe, in the dialog or in the page's own container (inline mode). */
export const FRAME_CLASS = "hc-frame";

// Full screen on narrow screens. No entrance animation: nothing moves for users who asked for reduced motion.
export const CSS =
  `.${DIALOG_CLASS}{border:0;padding:0;width:min(440px,100vw);height:min(680px,100vh);max-width:none;max-height:none;border-radius:12px;overflow:hidden}` +
  `.${DIALOG_CLASS}::backdrop{background:#0009}` +
  `.${FRAME_CLASS}{display:block;border:0;width:100%;height:100%}` +
  `@media(max-width:639px){.${DIALOG_CLASS}{width:100vw;height:100dvh;border-radius:0}}`;

let sheet: CSSStyleSheet | undefined;

/**
 * Adopts the loader's style sheet into the page and returns its removal. A constructed sheet is not inline markup, so a
 * Content-Security-Policy without `'unsafe-inline'` in `style-src` lets it apply with nothing to allow or pass along.
 */
export function adoptStyles(): () => void {
  const d = document;
  if (!sheet) (sheet = new CSSStyleSheet()).replaceSync(CSS);
  d.adoptedStyleSheets = [...d.adoptedStyleSheets, sheet];
  return () => (d.adoptedStyleSheets = d.adoptedStyleSheets.filter((x) => x != sheet));
}
