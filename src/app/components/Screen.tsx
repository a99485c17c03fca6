/** A screen: a section named by its heading, which takes focus on arrival (or the first field marked `data-autofocus`). */
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/** Props of `Screen`. */
export interface ScreenProps {
  title: string;
  /** Called after focus has moved to the screen. */
  onFocused?: () => void;
  children?: ComponentChildren;
}

/** Wraps a screen's content and moves focus into it when it appears. */
export function Screen({ title, onFocused, children }: ScreenProps) {
  const section = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    const field = section.current?.querySelector<HTMLElement>("[data-autofocus]");
    (field ?? heading.current)?.focus();
    onFocused?.();
  }, []);
  return (
    // No aria-labelledby: a section named "…verification code" would compete with the field labelled "Verification code".
    <section ref={section} class="screen">
      <h1 id="hc-screen-title" ref={heading} tabIndex={-1}>
        {title}
      </h1>
      {children}
    </section>
  );
}
