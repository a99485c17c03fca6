/** Class of the `<dialog>` the loader adds; the style sheet below is scoped to it. */
export const DIALOG_CLASS = "hc-connect";

// Full screen below 640 px; the entrance animation only for users who did not ask for reduced motion.
export const CSS =
  `.${DIALOG_CLASS}{border:0;padding:0;margin:auto;width:min(440px,100vw);height:min(680px,100vh);max-width:100vw;max-height:100vh;border-radius:12px;overflow:hidden;background:#fff;box-shadow:0 12px 48px rgba(0,0,0,.3)}` +
  `.${DIALOG_CLASS}::backdrop{background:rgba(15,23,42,.55)}` +
  `.${DIALOG_CLASS} iframe{display:block;border:0;width:100%;height:100%}` +
  `@media (max-width:639.98px){.${DIALOG_CLASS}{width:100vw;height:100vh;height:100dvh;border-radius:0}}` +
  `@media (prefers-reduced-motion:no-preference){.${DIALOG_CLASS}[open]{animation:hc-in .18s ease-out}@keyframes hc-in{from{opacity:0;transform:translateY(12px)}}}`;
