// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { wrapTab } from "../../src/app/tab-wrap.ts";

function press(shiftKey = false) {
  const e = new KeyboardEvent("keydown", { key: "Tab", shiftKey, cancelable: true });
  wrapTab(e);
  return e.defaultPrevented;
}

describe("Tab stays inside Connect", () => {
  afterEach(() => document.body.replaceChildren());

  function mount() {
    document.body.replaceChildren();
    const close = document.createElement("button");
    close.textContent = "Close";
    const hidden = document.createElement("div");
    hidden.hidden = true;
    hidden.append(document.createElement("button"));
    const input = document.createElement("input");
    const last = document.createElement("button");
    last.textContent = "Connect";
    document.body.append(close, input, hidden, last);
    return { close, input, last };
  }

  it("Tab on the last control goes to the first; Shift+Tab on the first goes to the last", () => {
    const { close, last } = mount();
    last.focus();
    expect(press()).toBe(true);
    expect(document.activeElement).toBe(close);
    expect(press(true)).toBe(true);
    expect(document.activeElement).toBe(last);
  });

  it("leaves Tab alone in the middle, and other keys everywhere", () => {
    const { input } = mount();
    input.focus();
    expect(press()).toBe(false);
    expect(press(true)).toBe(false);
    const e = new KeyboardEvent("keydown", { key: "Enter", cancelable: true });
    wrapTab(e);
    expect(e.defaultPrevented).toBe(false);
    expect(document.activeElement).toBe(input);
  });
});
