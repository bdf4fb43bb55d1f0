import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * OpenAI's published JSON Schemas of every Realtime event (../shared/openai-realtime, from
 * openai/openai-openapi), compiled once: one validator per event `type`, for what a client sends
 * and for what a server sends. The document is OpenAPI 3.1 flavoured, so `nullable: true` is read
 * as "or null"; and the API itself sends null for three fields its schemas call objects (its own
 * examples show it), which are allowed here and nowhere else.
 */
export class RealtimeSchemas {
  readonly #client = new Map<string, ValidateFunction>();
  readonly #server = new Map<string, ValidateFunction>();

  static load(path: string): RealtimeSchemas {
    return new RealtimeSchemas(JSON.parse(readFileSync(path, 'utf8')) as SchemaDocument);
  }

  constructor(doc: SchemaDocument) {
    const open = withNullable(doc.components.schemas);
    // What a client sends is read closed, as the API reads it: a field the schema does not name
    // (a beta-shape `session.modalities`, a misspelt key) is refused, not silently ignored.
    const client = new Ajv({ strict: false, allErrors: false, validateFormats: false });
    client.addSchema({ components: { schemas: closed(open) } }, 'realtime');
    const server = new Ajv({ strict: false, allErrors: false, validateFormats: false });
    server.addSchema({ components: { schemas: open } }, 'realtime');
    for (const root of doc.roots) {
      const eventType = (doc.components.schemas[root] as Schema | undefined)?.properties?.type?.enum?.[0];
      if (typeof eventType !== 'string') continue; // the two unions of all events
      const isClient = root.startsWith('RealtimeClientEvent');
      (isClient ? this.#client : this.#server).set(
        eventType,
        (isClient ? client : server).compile({ $ref: `realtime#/components/schemas/${root}` }),
      );
    }
  }

  /** Problems with an event a client sent, in words (empty: valid). */
  client(ev: unknown): string[] {
    return check(this.#client, ev);
  }

  /**
   * How the API refuses an invalid client event: the error it sends back (code, message, param),
   * or null when the event is valid. Worded as the API words them.
   */
  refusal(ev: unknown): ApiRefusal | null {
    const type = (ev as { type?: unknown } | null)?.type;
    const validate = typeof type === 'string' ? this.#client.get(type) : undefined;
    if (!validate) {
      return {
        code: 'invalid_value',
        param: 'type',
        message: `Invalid value: '${String(type)}'. Supported values are: ${this.clientTypes.map((t) => `'${t}'`).join(', ')}.`,
      };
    }
    if (validate(ev) || validate(withoutDocumentedNulls(ev))) return null;
    const errors = validate.errors ?? [];
    // the most specific: a leaf's error rather than the union that failed because of it
    const e = errors.find((x) => x.keyword !== 'oneOf' && x.keyword !== 'anyOf') ?? errors[0]!;
    return apiRefusal(e, ev);
  }

  /** Problems with an event a server sent (empty: valid). */
  server(ev: unknown): string[] {
    return check(this.#server, ev);
  }

  get clientTypes(): string[] {
    return [...this.#client.keys()];
  }

  get serverTypes(): string[] {
    return [...this.#server.keys()];
  }
}

/** The nulls the API sends where its schemas say object (see ../shared/openai-realtime/README.md). */
const DOCUMENTED_NULLS = [/\/audio\/input\/transcription$/, /\/status_details$/, /\/content\/\d+\/transcript$/];

function check(validators: Map<string, ValidateFunction>, ev: unknown): string[] {
  const type = (ev as { type?: unknown } | null)?.type;
  if (typeof type !== 'string') return ['no event type'];
  const validate = validators.get(type);
  if (!validate) return [`unknown event type '${type}'`];
  // a documented null fails the branch it is in: valid once those nulls are left out
  if (validate(ev) || validate(withoutDocumentedNulls(ev))) return [];
  return (validate.errors ?? []).map(describe);
}

/** The error event's fields the API sends for a refused client event. */
export interface ApiRefusal {
  code: string;
  message: string;
  param: string | null;
}

/** `/session/tools/0/name` → `session.tools[0].name`, as the API names a parameter. */
function paramOf(pointer: string, extra?: string): string {
  const parts = pointer.split('/').slice(1);
  if (extra) parts.push(extra);
  return parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function apiRefusal(e: ErrorObject, ev: unknown): ApiRefusal {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required': {
      const param = paramOf(e.instancePath, String(params.missingProperty));
      return { code: 'missing_required_parameter', param, message: `Missing required parameter: '${param}'.` };
    }
    case 'additionalProperties': {
      const param = paramOf(e.instancePath, String(params.additionalProperty));
      return { code: 'unknown_parameter', param, message: `Unknown parameter: '${param}'.` };
    }
    case 'type': {
      const param = paramOf(e.instancePath);
      const got = valueAt(ev, e.instancePath);
      return {
        code: 'invalid_type',
        param,
        message: `Invalid type for '${param}': expected ${String(params.type)}, but got ${got === null ? 'null' : typeof got} instead.`,
      };
    }
    default: {
      const param = paramOf(e.instancePath);
      const allowed = Array.isArray(params.allowedValues)
        ? ` Supported values are: ${params.allowedValues.map((v) => `'${String(v)}'`).join(', ')}.`
        : '';
      return {
        code: 'invalid_value',
        param,
        message: `Invalid value: '${String(valueAt(ev, e.instancePath))}'.${allowed || ` ${e.message ?? ''}`}`.trimEnd(),
      };
    }
  }
}

function withoutDocumentedNulls(ev: unknown, path = ''): unknown {
  if (Array.isArray(ev)) return ev.map((v, i) => withoutDocumentedNulls(v, `${path}/${i}`));
  if (ev === null || typeof ev !== 'object') return ev;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ev)) {
    const p = `${path}/${k}`;
    if (v === null && DOCUMENTED_NULLS.some((re) => re.test(p))) continue;
    out[k] = withoutDocumentedNulls(v, p);
  }
  return out;
}

function valueAt(ev: unknown, pointer: string): unknown {
  let v: unknown = ev;
  for (const part of pointer.split('/').slice(1)) v = (v as Record<string, unknown> | undefined)?.[part];
  return v;
}

function describe(e: ErrorObject): string {
  const at = e.instancePath || '(event)';
  const extra = e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : '';
  return `${at} ${e.message ?? 'is invalid'}${extra}`;
}

interface Schema {
  properties?: { type?: { enum?: unknown[] } };
  [k: string]: unknown;
}

export interface SchemaDocument {
  roots: string[];
  components: { schemas: Record<string, unknown> };
}

/**
 * Every object schema that lists its properties and says nothing about others admits no others.
 * (Safe here: the document composes with oneOf/anyOf only, never allOf, where closing would refuse
 * valid objects.)
 */
function closed<T>(node: T): T {
  if (Array.isArray(node)) return node.map(closed) as T;
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'properties' ? mapValues(v as Record<string, unknown>, closed) : closed(v);
  if (out.properties && out.additionalProperties === undefined && !out.allOf) out.additionalProperties = false;
  return out as T;
}

function mapValues(o: Record<string, unknown>, f: (v: unknown) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}

/** OpenAPI's `nullable: true` as JSON Schema: the type also admits null. */
function withNullable<T>(node: T): T {
  if (Array.isArray(node)) return node.map(withNullable) as T;
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = withNullable(v);
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else if (Array.isArray(out.type) && !out.type.includes('null')) out.type = [...out.type, 'null'];
    else if (out.enum && Array.isArray(out.enum)) out.enum = [...out.enum, null];
    else if (!out.type) return { anyOf: [out, { type: 'null' }] } as T;
  }
  return out as T;
}
