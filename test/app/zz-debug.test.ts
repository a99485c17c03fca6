import { test } from "vitest";
import { app, startE2E, waitForCall } from "../e2e/support.ts";
test("dbg", async () => {
  const env = await startE2E();
  try {
    const page = await env.newPage();
    await page.evaluate(async (t) => { (window as any).nextToken = t; }, await env.sessionToken());
    await page.focus("#opener");
    await page.keyboard.press("Enter");
    await waitForCall(page, "onReady");
    await page.waitForTimeout(300);
    const frame = page.frames().find((f) => f.url().includes("/connect"))!;
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press("Tab");
      await page.waitForTimeout(50);
      const outer = await page.evaluate(() => { const a = document.activeElement; return a?.tagName + "#" + a?.id + " hasFocus=" + document.hasFocus(); });
      const inner = await frame.evaluate(() => { const a = document.activeElement; return a?.tagName + "." + a?.className + "#" + a?.id + " hasFocus=" + document.hasFocus(); });
      console.log(i, outer, "|", inner);
    }
  } finally { await env.close(); }
}, 60000);
