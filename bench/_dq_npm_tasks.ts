// Tasks of the decision-quality benchmark built on popular npm libraries (loaded by workers
// through task(url, name), like a user's own module). Bare specifiers resolve through
// node_modules on Bun and Node, and through deno.json's import map (`npm:` specifiers) on Deno.
import { Ajv } from "ajv";
import axios from "axios";
import { XMLParser } from "fast-xml-parser";
import { gzipSync } from "fflate";
import { sha256 } from "js-sha256";
import { marked } from "marked";

/** SHA-256 (pure JS) of a short string: a few microseconds. */
export function hashText(text: string): string {
  return sha256(text);
}

/** Render a markdown document to HTML. */
export function renderMarkdown(doc: string): string {
  return marked.parse(doc, { async: false }) as string;
}

/** Gzip a buffer (large input, large output). */
export function gzip(data: Uint8Array): Uint8Array {
  return gzipSync(data, { level: 6 });
}

const parser = new XMLParser({ ignoreAttributes: false });
/** Parse an XML document into an object tree (a structured result to clone back). */
export function parseXml(xml: string): unknown {
  return parser.parse(xml);
}

const ajv = new Ajv({ allErrors: true });
const validateOrder = ajv.compile({
  type: "object",
  required: ["id", "customer", "lines"],
  properties: {
    id: { type: "integer", minimum: 1 },
    customer: {
      type: "object",
      required: ["name", "email"],
      properties: { name: { type: "string", minLength: 1 }, email: { type: "string" } },
    },
    lines: {
      type: "array",
      items: {
        type: "object",
        required: ["sku", "qty", "price"],
        properties: {
          sku: { type: "string", pattern: "^[A-Z]{3}-[0-9]{4}$" },
          qty: { type: "integer", minimum: 1 },
          price: { type: "number", minimum: 0 },
        },
      },
    },
  },
});
/** Validate an order against a JSON schema (ajv); returns the number of errors. */
export function validateOrderJson(order: unknown): number {
  return validateOrder(order) ? 0 : validateOrder.errors?.length ?? 0;
}

/** GET a URL with axios; returns the body's length. */
export async function httpGet(url: string): Promise<number> {
  const r = await axios.get(url, { responseType: "text" });
  return String(r.data).length;
}
