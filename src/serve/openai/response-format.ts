/**
 * A chat completion's `response_format`: `text` (the default) answers the label itself;
 * `json_object` and `json_schema` answer it as JSON, `{"label": "<label>"}`, so that clients that
 * ask for structured output (OpenAI's `response_format`, the AI SDK's `generateObject`) get it, or a
 * 400 that says why a schema cannot hold the answer.
 * @module
 */
import { z } from "zod";
import { invalidRequest } from "./request-errors.js";

/** `response_format` as OpenAI's chat completions take it (other fields accepted and ignored). */
export const responseFormatSchema = z.object({
  type: z.enum(["text", "json_object", "json_schema"]),
  json_schema: z
    .object({
      name: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).nullish(),
      strict: z.boolean().nullish(),
    })
    .optional(),
});

/** A request's `response_format`, as parsed. */
export type ResponseFormat = z.infer<typeof responseFormatSchema>;

/** How an answer is written as the message content: the label itself, or JSON with the label under `property`. */
export type AnswerFormat = { kind: "text" } | { kind: "json"; property: string };

const plainText: AnswerFormat = { kind: "text" };
const schemaPath = "response_format.json_schema.schema";

/**
 * The answer format a request asks for. For `json_schema`, the property that holds the label:
 * `label`, or the schema's only property (e.g. the AI SDK's `result` for an enum); a 400 when the
 * schema cannot hold a task label under it (not an object, several other properties required, a
 * property type other than string, an enum without some of the task's labels).
 */
export function answerFormatOf(
  format: ResponseFormat | null | undefined,
  labels: readonly string[],
): AnswerFormat {
  if (format === null || format === undefined || format.type === "text") return plainText;
  if (format.type === "json_object") return { kind: "json", property: "label" };
  if (format.json_schema === undefined) {
    throw invalidRequest("response_format.json_schema: required when response_format.type is `json_schema`");
  }
  const schema = format.json_schema.schema;
  if (schema === null || schema === undefined) return { kind: "json", property: "label" };
  return { kind: "json", property: labelProperty(schema, labels) };
}

/** The message content of an answer as a JSON string literal, or undefined for a plain-text label. */
export function answerContent(format: AnswerFormat, label: string): string | undefined {
  return format.kind === "text" ? undefined : JSON.stringify(JSON.stringify({ [format.property]: label }));
}

/** The property of an object schema that can hold every task label, else the 400 saying why none can. */
function labelProperty(schema: Record<string, unknown>, labels: readonly string[]): string {
  if (!acceptsType(schema.type, "object")) {
    throw invalidRequest(
      `${schemaPath}: the answer is an object {"label": "<label>"}, which a schema of type ${JSON.stringify(schema.type)} cannot hold`,
    );
  }
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const names = Object.keys(properties);
  const property = names.includes("label")
    ? "label"
    : names.length === 1
      ? names[0]
      : names.length === 0 && schema.additionalProperties !== false
        ? "label"
        : undefined;
  if (property === undefined) {
    throw invalidRequest(
      `${schemaPath}: no property can hold the label: give it a \`label\` string property (or a single property); it has ${names.map((name) => `\`${name}\``).join(", ") || "none"}`,
    );
  }
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  const unfilled = required.filter((name) => name !== property);
  if (unfilled.length > 0) {
    throw invalidRequest(
      `${schemaPath}: requires ${unfilled.map((name) => `\`${name}\``).join(", ")}, which this server cannot fill: it answers only the label`,
    );
  }
  const problem = labelProblem(properties[property], labels);
  if (problem !== undefined) throw invalidRequest(`${schemaPath}: the property \`${property}\` ${problem}`);
  return property;
}

/** Why a property schema cannot hold every task label, or undefined when it can (or cannot be told). */
function labelProblem(property: unknown, labels: readonly string[]): string | undefined {
  if (!isRecord(property)) return undefined;
  const branches = Array.isArray(property.anyOf)
    ? property.anyOf
    : Array.isArray(property.oneOf)
      ? property.oneOf
      : undefined;
  if (branches !== undefined) {
    const problems = branches.map((branch) => labelProblem(branch, labels));
    return problems.includes(undefined) ? undefined : problems[0];
  }
  if (!acceptsType(property.type, "string")) {
    return `must accept a string (the label); its type is ${JSON.stringify(property.type)}`;
  }
  const allowed = Array.isArray(property.enum)
    ? property.enum
    : "const" in property
      ? [property.const]
      : undefined;
  if (allowed === undefined) return undefined;
  const missing = labels.filter((label) => !allowed.includes(label));
  if (missing.length === 0) return undefined;
  const shown = missing
    .slice(0, 5)
    .map((label) => JSON.stringify(label))
    .join(", ");
  return `does not allow every label of this task: it lacks ${shown}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}`;
}

/** Whether a JSON Schema `type` (absent, one name or a list) admits `name`. */
function acceptsType(type: unknown, name: string): boolean {
  if (type === undefined) return true;
  return Array.isArray(type) ? type.includes(name) : type === name;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
