// axe-core in happy-dom. happy-dom computes no colours, so only the contrast rule is left to the real-browser suite.
import axe from "axe-core";

/** The violations axe finds in the document, as "rule: target" lines for readable failures. */
export async function axeViolations(root: Element = document.body): Promise<string[]> {
  const result = await axe.run(root, { rules: { "color-contrast": { enabled: false } }, resultTypes: ["violations"] });
  return result.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(" ")} (${v.help})`));
}
