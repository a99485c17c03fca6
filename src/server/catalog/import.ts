import { parse as parseCsv } from "csv-parse/sync";
import * as v from "valibot";
import { SOURCE_TYPES } from "../../protocol/connect-api.ts";
import type { AuthMethod } from "../../protocol/connect-api.ts";
import type { SourceBehavior, SourceRecord } from "./types.ts";
import { US_STATE_NAMES } from "./us-places.ts";
import { SMART_FIELDS, moveSmartSettings, smartRowEntries } from "../smart/catalog-fields.ts";

const AUTH_METHODS: readonly AuthMethod[] = ["credentials", "credentials_mfa", "oauth", "smart"];
const BEHAVIORS: readonly SourceBehavior[] = ["normal", "unavailable", "slow"];
const REQUIRED_COLUMNS = ["id", "name", "type", "city", "state", "auth"] as const;
const OPTIONAL_FIELDS = ["description", "behavior", "rank", "logo_url", ...SMART_FIELDS] as const;
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;

const text = (max: number) =>
  v.pipe(
    v.string("must be a string"),
    v.trim(),
    v.nonEmpty("must not be empty"),
    v.maxLength(max, `must be at most ${max} characters`),
    v.regex(NO_CONTROL_CHARACTERS, "must not contain control characters"),
  );

/** One catalog row as a file may hold it; ids and state codes are accepted in either case. */
const SourceRowSchema = v.object({
  id: v.pipe(
    v.string("must be a string"),
    v.trim(),
    v.toLowerCase(),
    v.regex(/^[0-9a-f]{24}$/, "must be 24 hexadecimal characters"),
  ),
  name: text(200),
  type: v.picklist(SOURCE_TYPES, `must be one of ${SOURCE_TYPES.join(", ")}`),
  city: text(100),
  state: v.pipe(
    v.string("must be a string"),
    v.trim(),
    v.toUpperCase(),
    v.check((code) => Object.hasOwn(US_STATE_NAMES, code), "must be a two-letter US state or territory code"),
  ),
  auth: v.picklist(AUTH_METHODS, `must be one of ${AUTH_METHODS.join(", ")}`),
  description: v.optional(
    v.pipe(
      v.string("must be a string"),
      v.trim(),
      v.maxLength(2000, "must be at most 2000 characters"),
      v.regex(NO_CONTROL_CHARACTERS, "must not contain control characters"),
    ),
    "",
  ),
  behavior: v.optional(v.picklist(BEHAVIORS, `must be one of ${BEHAVIORS.join(", ")}`), "normal"),
  ...smartRowEntries,
  // A JSON number or a CSV cell; 0 is the most popular source.
  rank: v.optional(
    v.pipe(
      v.union([v.number(), v.pipe(v.string(), v.trim(), v.regex(/^\d{1,10}$/), v.transform(Number))], "must be a non-negative integer"),
      v.integer("must be a non-negative integer"),
      v.minValue(0, "must be a non-negative integer"),
      v.maxValue(2_147_483_647, "must be at most 2147483647"),
    ),
  ),
  // Shown inside the Connect app, whose page allows images from https: only, and never from plain http.
  logo_url: v.optional(
    v.pipe(
      v.string("must be a string"),
      v.trim(),
      v.maxLength(2048, "must be at most 2048 characters"),
      v.check((url) => URL.canParse(url) && new URL(url).protocol === "https:", "must be an https URL"),
    ),
  ),
});

/**
 * Reads a source catalog: a JSON array of objects, or CSV with a header row naming the columns
 * (id, name, type, city, state, auth, and optionally description, behavior, rank and logo_url). Throws an Error naming the
 * row and field of the first bad value, or of a repeated id.
 */
export function parseCatalog(input: string, format: "json" | "csv"): SourceRecord[] {
  const rows = format === "json" ? readJsonRows(input) : readCsvRows(input);
  const sources: SourceRecord[] = [];
  const rowById = new Map<string, number>();
  rows.forEach(({ value, where }, index) => {
    const rowNumber = index + 1;
    const label = `Row ${rowNumber}${where}`;
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new Error(`${label}: must be an object with the fields ${REQUIRED_COLUMNS.join(", ")}`);
    }
    const result = v.safeParse(SourceRowSchema, withoutBlankOptionals(value as Record<string, unknown>));
    if (!result.success) {
      const issue = result.issues[0];
      const field = v.getDotPath(issue) ?? "row";
      const problem = issue.input === undefined ? "is missing" : `${issue.message} (got ${preview(issue.input)})`;
      throw new Error(`${label}: field "${field}" ${problem}`);
    }
    const { logo_url: logoUrl, ...fields } = result.output;
    const source: SourceRecord = logoUrl === undefined ? fields : { ...fields, logoUrl };
    moveSmartSettings(source, label);
    const firstRow = rowById.get(source.id);
    if (firstRow !== undefined) {
      throw new Error(`${label}: field "id" repeats the id ${source.id} of row ${firstRow}`);
    }
    rowById.set(source.id, rowNumber);
    sources.push(source);
  });
  return sources;
}

interface RawRow {
  value: unknown;
  where: string; // where the row sits in the file, for messages
}

function readJsonRows(input: string): RawRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch (error) {
    throw new Error(`Catalog is not valid JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new Error("Catalog JSON must be an array of source objects");
  return parsed.map((value) => ({ value, where: "" }));
}

function readCsvRows(input: string): RawRow[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(input, {
      bom: true,
      columns: (header: string[]) => header.map((column) => column.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      info: true,
    }) as unknown as { record: Record<string, string>; info: { lines: number } }[];
  } catch (error) {
    throw new Error(`Catalog is not valid CSV: ${(error as Error).message}`);
  }
  const firstRecord = records[0];
  if (firstRecord) {
    const missing = REQUIRED_COLUMNS.filter((column) => !(column in firstRecord.record));
    if (missing.length > 0) throw new Error(`Catalog CSV header lacks the column(s): ${missing.join(", ")}`);
  }
  return records.map(({ record, info }) => ({ value: record, where: ` (line ${info.lines})` }));
}

/** Empty cells and nulls in optional fields mean "use the default". */
function withoutBlankOptionals(row: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...row };
  for (const field of OPTIONAL_FIELDS) {
    if (copy[field] === "" || copy[field] === null) delete copy[field];
  }
  return copy;
}

function preview(value: unknown): string {
  const shown = typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return shown.length > 40 ? `${shown.slice(0, 37)}...` : shown;
}
