// OAuth login CSRF in a real browser: an authorize URL started by one user's Connect and completed by someone else, in
// another browser with no opener, connects nothing and says why.
import { afterAll, beforeAll, expect, test } from "vitest";
import { describeE2E, startE2E, type E2EEnv } from "./support.ts";

const HOLODECK = "5b1daf3f079c652eaf41fd25";

describeE2E("OAuth sign-ins finish only in the Connect that started them", () => {
  let env: E2EEnv;
  beforeAll(async () => {
    env = await startE2E();
  });
  afterAll(async () => {
    await env?.close();
  });

  test("the attacker's authorize URL, signed in by a victim elsewhere, connects nothing to the attacker", async () => {
    const attacker = await env.sessionToken();
    const auth = { authorization: `Bearer ${attacker}`, "content-type": "application/json" };
    const started = await fetch(`${env.serviceUrl}/v1/connect/oauth/start`, { method: "POST", headers: auth, body: JSON.stringify({ source_id: HOLODECK }) });
    const { authorize_url } = (await started.json()) as { authorize_url: string };

    const victim = await env.browser.newContext();
    try {
      const page = await victim.newPage();
      await page.goto(authorize_url);
      await page.getByLabel("Username").fill("demo");
      await page.getByLabel("Password").fill("demo");
      await page.getByRole("button", { name: "Allow access" }).click();
      await page.getByText("nothing was connected").waitFor();
    } finally {
      await victim.close();
    }
    const session = await fetch(`${env.serviceUrl}/v1/connect/session`, { headers: auth });
    expect(((await session.json()) as { connections: unknown[] }).connections).toStrictEqual([]);
  });
});
