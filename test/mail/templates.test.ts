import { describe, expect, it } from "vitest";
import {
  DEFAULT_TEMPLATE,
  DEFAULT_TEMPLATE_ALIAS,
  MAX_HTML_LENGTH,
  collectTemplateData,
  isValidTemplateAlias,
  renderTemplate,
  validateTemplate,
} from "../../src/server/mail/templates.ts";
import { escapeHtml } from "../../src/server/html.ts";

const LINK = "https://connect.example.com/invite?token=aaa.bbb.ccc&lang=en";

// Seed 004's example template.
const SEED_TEMPLATE = {
  subject: "{{inviter_name}} invites you",
  html: 'Hi {{inviter_name}} would like to invite you to Our Service.\n<a href="{{sign_in_url}}">Sign in here</a>\n\nThanks',
  text: "Hi {{inviter_name}} would like to invite you to Our Service.\n{{sign_in_url}}",
};

describe("renderTemplate", () => {
  it("fills the link and data_ values as in seed 004", () => {
    const rendered = renderTemplate(SEED_TEMPLATE, { signInUrl: LINK, data: { inviter_name: "Sarah" } });
    expect(rendered).toEqual({
      subject: "Sarah invites you",
      html: `Hi Sarah would like to invite you to Our Service.\n<a href="${LINK.replace("&", "&amp;")}">Sign in here</a>\n\nThanks`,
      text: `Hi Sarah would like to invite you to Our Service.\n${LINK}`,
    });
  });

  it("escapes <script> and quotes in the html but keeps subject and text plain", () => {
    const evil = `<script>alert("x")</script>' onmouseover='1`;
    const rendered = renderTemplate(
      { subject: "From {{inviter_name}}", html: '<p title="{{inviter_name}}">{{inviter_name}}</p>{{sign_in_url}}', text: "{{inviter_name}}" },
      { signInUrl: LINK, data: { inviter_name: evil } },
    );
    expect(rendered.html).not.toContain("<script>");
    expect(rendered.html).toBe(
      `<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;1">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onmouseover=&#39;1</p>${escapeHtml(LINK)}`,
    );
    expect(rendered.subject).toBe(`From ${evil}`);
    expect(rendered.text).toBe(evil);
  });

  it("keeps a data value from breaking the subject onto a new header line", () => {
    const rendered = renderTemplate(SEED_TEMPLATE, { signInUrl: LINK, data: { inviter_name: "Sarah\r\nBcc: victim@example.com" } });
    expect(rendered.subject).toBe("Sarah Bcc: victim@example.com invites you");
    expect(rendered.subject).not.toMatch(/[\r\n]/);
  });

  it("renders unknown placeholders empty and tolerates spaces inside braces", () => {
    const rendered = renderTemplate(
      { subject: "Hi {{ first_name }}{{missing}}!", html: "<p>{{nothing}}x{{ sign_in_url }}</p>" },
      { signInUrl: "https://h/x", data: { first_name: "Ada" } },
    );
    expect(rendered).toEqual({ subject: "Hi Ada!", html: "<p>xhttps://h/x</p>", text: null });
  });

  it("does not let data replace the link or the client name", () => {
    const rendered = renderTemplate(
      { subject: "{{client_name}}", html: "{{sign_in_url}}|{{client_name}}" },
      { signInUrl: "https://real/link", data: { sign_in_url: "https://evil/", client_name: "Evil" } },
    );
    expect(rendered.html).toBe("https://real/link|");
    expect(rendered.subject).toBe("");
  });

  it("does not treat object prototype names as values", () => {
    const rendered = renderTemplate({ subject: "s{{constructor}}{{__proto__}}", html: "{{sign_in_url}}{{tostring}}" }, { signInUrl: "u" });
    expect(rendered).toEqual({ subject: "s", html: "u", text: null });
  });

  it("has a default template that invites the user for the client, with a button to the link", () => {
    expect(DEFAULT_TEMPLATE.alias).toBe(DEFAULT_TEMPLATE_ALIAS);
    expect(validateTemplate(DEFAULT_TEMPLATE)).toMatchObject({ ok: true });
    const rendered = renderTemplate(DEFAULT_TEMPLATE, { signInUrl: LINK, clientName: "Acme <Health>" });
    expect(rendered.subject).toBe("Acme <Health> invites you to connect your health data");
    expect(rendered.html).toContain(`<a href="${escapeHtml(LINK)}"`);
    expect(rendered.html).toContain("Acme &lt;Health&gt; invites you");
    expect(rendered.html).not.toContain("{{");
    expect(rendered.text).toContain(LINK);
    expect(rendered.text).toContain("Acme <Health> invites you");
  });
});

describe("validateTemplate", () => {
  it("accepts a good template and keeps only known fields", () => {
    expect(validateTemplate({ ...SEED_TEMPLATE, extra: 1 })).toEqual({ ok: true, value: SEED_TEMPLATE });
    expect(validateTemplate({ subject: "s", html: "{{sign_in_url}}" })).toEqual({ ok: true, value: { subject: "s", html: "{{sign_in_url}}" } });
  });

  it("refuses bad shapes, sizes, placeholder names and a missing link", () => {
    const cases: Array<[unknown, string]> = [
      [null, "TEMPLATE_INVALID"],
      [{ subject: "s" }, "TEMPLATE_INVALID"],
      [{ subject: 1, html: "{{sign_in_url}}" }, "TEMPLATE_INVALID"],
      [{ subject: "", html: "{{sign_in_url}}" }, "TEMPLATE_INVALID"],
      [{ subject: "a\nBcc: x", html: "{{sign_in_url}}" }, "TEMPLATE_INVALID"],
      [{ subject: "s", html: "{{sign_in_url}}" + "x".repeat(MAX_HTML_LENGTH) }, "TEMPLATE_TOO_LARGE"],
      [{ subject: "s".repeat(201), html: "{{sign_in_url}}" }, "TEMPLATE_TOO_LARGE"],
      [{ subject: "Hi {{FirstName}}", html: "{{sign_in_url}}" }, "TEMPLATE_PLACEHOLDER_INVALID"],
      [{ subject: "s", html: "{{sign_in_url}} {{first-name}}" }, "TEMPLATE_PLACEHOLDER_INVALID"],
      [{ subject: "s", html: "{{sign_in_url}} {{}}" }, "TEMPLATE_PLACEHOLDER_INVALID"],
      [{ subject: "s", html: "{{sign_in_url}}", text: "{{a.b}}" }, "TEMPLATE_PLACEHOLDER_INVALID"],
      [{ subject: "s", html: "<a href='{{sign_up_url}}'>x</a>" }, "TEMPLATE_LINK_MISSING"],
    ];
    for (const [input, code] of cases) expect(validateTemplate(input), JSON.stringify(input)?.slice(0, 80)).toMatchObject({ ok: false, code });
  });

  it("checks aliases", () => {
    for (const good of ["default", "user-invitation", "v2_invite"]) expect(isValidTemplateAlias(good)).toBe(true);
    for (const bad of ["", "-x", "Default", "../etc", "a b", "x".repeat(65), 3]) expect(isValidTemplateAlias(bad)).toBe(false);
  });
});

describe("collectTemplateData", () => {
  it("picks data_ fields without the prefix", () => {
    expect(collectTemplateData({ client_user_id: "u1", email: "a@b.co", data_inviter_name: "Sarah", data_count: 3, data_ok: true })).toEqual({
      ok: true,
      value: { inviter_name: "Sarah", count: "3", ok: "true" },
    });
  });

  it("refuses bad names, reserved names, non-scalar and oversized values, and too many values", () => {
    expect(collectTemplateData({ "data_Bad-Name": "x" })).toMatchObject({ ok: false, code: "TEMPLATE_DATA_INVALID" });
    expect(collectTemplateData({ data_: "x" })).toMatchObject({ ok: false, code: "TEMPLATE_DATA_INVALID" });
    expect(collectTemplateData({ data_sign_in_url: "https://evil" })).toMatchObject({ ok: false, code: "TEMPLATE_DATA_INVALID" });
    expect(collectTemplateData({ data_x: { a: 1 } })).toMatchObject({ ok: false, code: "TEMPLATE_DATA_INVALID" });
    expect(collectTemplateData({ data_x: null })).toMatchObject({ ok: false, code: "TEMPLATE_DATA_INVALID" });
    expect(collectTemplateData({ data_x: "y".repeat(1001) })).toMatchObject({ ok: false, code: "TEMPLATE_DATA_INVALID" });
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`data_v${i}`, "x"]));
    expect(collectTemplateData(many)).toMatchObject({ ok: false, code: "TEMPLATE_DATA_INVALID" });
  });
});
