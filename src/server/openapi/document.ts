// The OpenAPI 3.1 document of the token endpoint, the Connect API and the server-to-server API, built from the
// valibot schemas the routes validate with (src/server/schemas) and the table of operations next to this file.
import { toJsonSchema, type ConversionConfig, type JsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { apiError } from "../schemas/fields.ts";
import { COMMON_ERRORS, ERROR_CODES, type ErrorCode } from "./error-codes.ts";
import { AUTH_ERRORS, OPERATIONS, type Operation } from "./operations.ts";

const CONVERSION: ConversionConfig = {
  target: "draft-2020-12",
  typeMode: "input",
  // The service's custom checks are each paired with metadata that states the rule in JSON Schema's words
  // (schemas/fields.ts), so the check itself adds nothing to the document; every other action that cannot be
  // converted still fails the build.
  overrideAction: ({ valibotAction, jsonSchema }) => (valibotAction.type === "check" ? jsonSchema : undefined),
  // A custom schema is described by the metadata that follows it in its pipe; alone it admits any value.
  overrideSchema: ({ valibotSchema }) => (valibotSchema.type === "custom" ? {} : undefined),
};

/** JSON Schema of a valibot schema, without the `$schema` key (the document's dialect applies). */
export function jsonSchemaOf(schema: v.GenericSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = toJsonSchema(schema, CONVERSION);
  return rest;
}

const SECURITY: Record<Operation["auth"], Record<string, string[]>[] | undefined> = {
  none: [],
  body: [],
  connect: [{ connectToken: [] }],
  client: [{ clientToken: [] }, { clientBasic: [] }],
};

const ERROR_HEADERS: Record<number, Record<string, unknown>> = {
  401: { "WWW-Authenticate": { description: "The authorisation schemes accepted.", schema: { type: "string" } } },
  429: { "Retry-After": { description: "Seconds to wait before trying again.", schema: { type: "integer" } } },
};

function operationId(op: Operation): string {
  const words = op.path
    .replace(/^\/v1\//, "")
    .split(/[/_-]/)
    .filter(Boolean)
    .map((w) => (w.startsWith("{") ? "By" + w.slice(1, -1).replace(/^./, (c) => c.toUpperCase()) : w));
  return op.method + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("");
}

/** The error answers of an operation, one per status, each with exactly the codes it can answer at that status. */
function errorResponses(op: Operation): Record<string, unknown> {
  const codes = [...new Set<ErrorCode>([...AUTH_ERRORS[op.auth], ...op.errors, ...COMMON_ERRORS])];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CODES[code][0];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, unknown> = {};
  for (const [status, list] of [...byStatus].sort((a, b) => a[0] - b[0])) {
    responses[String(status)] = {
      description: list.map((code) => `\`${code}\`: ${ERROR_CODES[code][1]}`).join("\n\n"),
      ...(ERROR_HEADERS[status] ? { headers: ERROR_HEADERS[status] } : {}),
      content: { "application/json": { schema: jsonSchemaOf(apiError(list as [ErrorCode, ...ErrorCode[]])) } },
    };
  }
  return responses;
}

function parameters(op: Operation): unknown[] {
  const list: unknown[] = Object.entries(op.params ?? {}).map(([name, p]) => ({
    name,
    in: p.in,
    required: p.in === "path" ? true : (p.required ?? false),
    description: p.description,
    schema: jsonSchemaOf(p.schema),
  }));
  if (op.auth === "connect") {
    list.push({
      name: "Human-Connect-Parent-Origin",
      in: "header",
      required: false,
      description: "Origin of the page embedding Connect; it must be one of the client's allowed origins.",
      schema: { type: "string" },
    });
  }
  return list;
}

function operationObject(op: Operation): Record<string, unknown> {
  const answers: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(op.answers)) {
    answers[status] = {
      description: answer.description,
      ...(answer.json ? { content: { "application/json": { schema: jsonSchemaOf(answer.json) } } } : {}),
      ...(answer.html ? { content: { "text/html": { schema: { type: "string" } } } } : {}),
      ...(answer.fhir ? { content: { "application/fhir+json": { schema: { type: "object" } } } } : {}),
    };
  }
  const body = op.body
    ? {
        requestBody: {
          required: true,
          content: Object.fromEntries(
            (op.body.form ? ["application/json", "application/x-www-form-urlencoded"] : ["application/json"]).map((type) => [
              type,
              { schema: jsonSchemaOf(op.body!.schema) },
            ]),
          ),
        },
      }
    : {};
  const params = parameters(op);
  return {
    operationId: operationId(op),
    summary: op.summary,
    tags: [op.tag],
    security: SECURITY[op.auth],
    ...(params.length ? { parameters: params } : {}),
    ...body,
    responses: { ...answers, ...errorResponses(op) },
  };
}

/** Builds the document from the operations table. */
export function buildOpenApiDocument(operations: readonly Operation[] = OPERATIONS): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) (paths[op.path] ??= {})[op.method] = operationObject(op);
  return {
    openapi: "3.1.0",
    info: {
      title: "Human Connect",
      version: "v1",
      description:
        "The Connect service's token endpoint, Connect API and server-to-server API. Every error answers " +
        '`{"errorCode", "message"}` with the codes listed at each operation.',
      license: { name: "MIT", identifier: "MIT" },
    },
    servers: [{ url: "/" }],
    tags: [
      { name: "Token", description: "Tokens for your backend: session and id tokens for Connect, client tokens for the server-to-server API." },
      { name: "Connect API", description: "What the Connect app asks, with a session or id token." },
      { name: "Server-to-server API", description: "Your backend's API, with a client token or HTTP Basic client credentials." },
    ],
    paths,
    components: {
      schemas: { Error: jsonSchemaOf(apiError(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]])) },
      securitySchemes: {
        connectToken: { type: "http", scheme: "bearer", description: "A session or id token from the token endpoint." },
        clientToken: { type: "http", scheme: "bearer", description: 'A client token (`type: "client"` at the token endpoint).' },
        clientBasic: { type: "http", scheme: "basic", description: "The client id and secret." },
      },
    },
  };
}

let cached: string | undefined;

/** The document as JSON text, built once per process: it depends on nothing but the code. */
export function openApiJson(): string {
  cached ??= JSON.stringify(buildOpenApiDocument());
  return cached;
}
