// Server rendering: the hook renders where there is no window and touches nothing until open().
import { expect, test, vi } from "vitest";

// Paths, not names: the project's Vite config aliases "react" and "react-dom" to preact/compat for the Connect app.
const REACT = "../../node_modules/react/index.js";
const REACT_DOM_SERVER = "../../node_modules/react-dom/server.node.js";

test("a component using useHumanConnect renders on the server with React 19, closed", async () => {
  expect(typeof (globalThis as { window?: unknown }).window).toBe("undefined");
  vi.doMock("react", () => import(REACT));
  const { createElement, version }: typeof import("react") = await import(REACT);
  const { renderToString }: typeof import("react-dom/server") = await import(REACT_DOM_SERVER);
  const { useHumanConnect } = await import("../../src/react/index.ts");
  expect(version).toMatch(/^19\./);
  function Panel() {
    const hc = useHumanConnect({ clientId: "c1", onClose: () => {} });
    return createElement("p", null, `${hc.isOpen} ${hc.ready} ${hc.error} ${typeof hc.open} ${typeof hc.close}`);
  }
  expect(renderToString(createElement(Panel))).toBe("<p>false false null function function</p>");
});
