// `sources import` with SMART on FHIR rows: the fields are read from JSON and CSV, checked, and a bad row stops the
// import naming its row and field.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { parseCatalog } from "../../src/server/catalog/import.ts";
import { runCli } from "../../src/server/cli/run.ts";
import { DEFAULT_SMART_SCOPES } from "../../src/server/smart/catalog-fields.ts";

const base = { id: "c0c0c0c0c0c0c0c0c0c0c0c1", name: "Epic Sandbox", type: "hospital", city: "Verona", state: "WI", auth: "smart" };
const json = (...rows: object[]) => parseCatalog(JSON.stringify(rows), "json");

describe("SMART rows in a catalog", () => {
  test("JSON: the FHIR base (without its trailing slash), the client id, the default scopes; no secret is a public client", () => {
    const [source] = json({ ...base, fhir_base_url: "https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4/", smart_client_id: "abc-123" });
    expect(source).toMatchObject({ id: base.id, auth: "smart", smart: { fhirBaseUrl: "https://fhir.epic.com/interconnect-fhir-oauth/api/FHIR/R4", clientId: "abc-123", clientSecret: null, scopes: DEFAULT_SMART_SCOPES } });
    expect(Object.keys(source!)).not.toContain("smart_client_id");
  });

  test("CSV: the same columns, with a secret and scopes; other rows leave them empty", () => {
    const csv = [
      "id,name,type,city,state,auth,fhir_base_url,smart_client_id,smart_client_secret,scopes",
      `${base.id},Epic Sandbox,hospital,Verona,WI,smart,https://ehr.example.com/fhir,client-1,s3cret,launch/patient patient/*.rs offline_access`,
      "c0c0c0c0c0c0c0c0c0c0c0c2,Corner Clinic,clinic,Austin,TX,credentials,,,,",
    ].join("\n");
    const [smart, plain] = parseCatalog(csv, "csv");
    expect(smart!.smart).toEqual({ fhirBaseUrl: "https://ehr.example.com/fhir", clientId: "client-1", clientSecret: "s3cret", scopes: "launch/patient patient/*.rs offline_access" });
    expect(plain!.smart).toBeUndefined();
  });

  test("a missing client id or FHIR base, a bad URL, or bad scopes stop the import with the row and the field", () => {
    const row2 = (extra: object) => () => json({ ...base, id: "c0c0c0c0c0c0c0c0c0c0c0c9", auth: "oauth" }, { ...base, ...extra });
    expect(row2({ fhir_base_url: "https://ehr.example.com/fhir" })).toThrow('Row 2: field "smart_client_id" is missing (required when auth is smart)');
    expect(row2({ smart_client_id: "x" })).toThrow('Row 2: field "fhir_base_url" is missing (required when auth is smart)');
    expect(row2({ fhir_base_url: "ftp://ehr.example.com/fhir", smart_client_id: "x" })).toThrow(/^Row 2: field "fhir_base_url" must be an absolute http\(s\) URL/);
    expect(row2({ fhir_base_url: "https://ehr.example.com/fhir?x=1", smart_client_id: "x" })).toThrow(/^Row 2: field "fhir_base_url"/);
    expect(row2({ fhir_base_url: "https://u:p@ehr.example.com/fhir", smart_client_id: "x" })).toThrow(/^Row 2: field "fhir_base_url"/);
    expect(row2({ fhir_base_url: "https://ehr.example.com/fhir", smart_client_id: "has space" })).toThrow(/^Row 2: field "smart_client_id" must be printable ASCII/);
    expect(row2({ fhir_base_url: "https://ehr.example.com/fhir", smart_client_id: "x", scopes: 'patient/*.rs  "openid"' })).toThrow(/^Row 2: field "scopes"/);
  });

  test("the CLI refuses the file and imports nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hc-smart-import-"));
    try {
      const file = join(dir, "bad.json");
      writeFileSync(file, JSON.stringify([{ ...base, fhir_base_url: "not a url", smart_client_id: "x" }]));
      const err: string[] = [];
      const code = await runCli(["sources", "import", file, "--data-dir", dir], { stdout: () => {}, stderr: (t) => void err.push(t), env: {} });
      expect(code).toBe(1);
      expect(err.join("")).toContain('Row 1: field "fhir_base_url" must be an absolute http(s) URL');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
