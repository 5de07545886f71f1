/**
 * The OpenAPI 3.1 document, built from the zod schemas the routes validate with and answer in.
 *
 * Each route module describes its own operations as an `ApiDescription` (next to its routes)
 * and is listed once in `DESCRIPTIONS` (api/openapi-descriptions.ts); the document is the merge.
 * `npm run gen:openapi` writes it to docs/openapi.json, GET /openapi.json serves it, and
 * test/api/openapi.test.ts fails when the checked-in file differs from a fresh build.
 */
import { z } from 'zod';

export type HttpMethod = 'get' | 'post' | 'delete' | 'put' | 'patch';

export interface OperationDoc {
  readonly method: HttpMethod;
  /** OpenAPI path template, e.g. `/api/v1/webhooks/{id}`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tag: string;
  /** Default: bearer API key. `false` for public routes. */
  readonly auth?: boolean;
  readonly pathParams?: Record<string, string>;
  readonly query?: Record<string, { readonly description: string; readonly schema: z.ZodType; readonly required?: boolean }>;
  readonly headers?: Record<string, { readonly description: string; readonly schema: z.ZodType; readonly required?: boolean }>;
  /** A named schema (a key of some description's `schemas`) for the request body. */
  readonly body?: string;
  /** The body's media type; default application/json. */
  readonly bodyMediaType?: string;
  /** status → description and named schema (application/json), or a raw media type. */
  readonly responses: Record<string, { readonly description: string; readonly schema?: string; readonly mediaType?: string }>;
}

export interface ApiDescription {
  readonly tag: { readonly name: string; readonly description: string };
  /** Named schemas, emitted under components.schemas. */
  readonly schemas: Record<string, z.ZodType>;
  readonly operations: readonly OperationDoc[];
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function plainSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return rest;
}

/** The document for `descriptions`, deterministic (so it can be diffed against the checked-in copy). */
export function buildOpenApiDocument(descriptions: readonly ApiDescription[], version: string): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  const byId = new Map<string, z.ZodType>();
  for (const d of descriptions) {
    for (const [id, schema] of Object.entries(d.schemas)) {
      const known = byId.get(id);
      if (known === schema) continue;
      if (known !== undefined || registry.has(schema)) throw new Error(`OpenAPI: schema "${id}" is declared twice`);
      byId.set(id, schema);
      registry.add(schema, { id });
    }
  }
  const generated = z.toJSONSchema(registry, { uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Record<string, unknown>> };
  const schemas: Record<string, unknown> = {};
  for (const id of Object.keys(generated.schemas).sort()) {
    const { $schema: _s, $id: _i, ...rest } = generated.schemas[id]!;
    schemas[id] = rest;
  }
  const known = new Set(Object.keys(schemas));
  const need = (name: string | undefined, where: string) => {
    if (name !== undefined && !known.has(name)) throw new Error(`OpenAPI: ${where} names unknown schema "${name}"`);
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const d of descriptions) {
    for (const op of d.operations) {
      need(op.body, op.operationId);
      const parameters = [
        ...Object.entries(op.pathParams ?? {}).map(([name, description]) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } })),
        ...Object.entries(op.query ?? {}).map(([name, p]) => ({
          name,
          in: 'query',
          required: p.required ?? false,
          description: p.description,
          schema: plainSchema(p.schema),
        })),
        ...Object.entries(op.headers ?? {}).map(([name, p]) => ({
          name,
          in: 'header',
          required: p.required ?? false,
          description: p.description,
          schema: plainSchema(p.schema),
        })),
      ];
      const responses: Record<string, unknown> = {};
      for (const [status, r] of Object.entries(op.responses)) {
        need(r.schema, op.operationId);
        const content = r.schema ? { 'application/json': { schema: ref(r.schema) } } : r.mediaType ? { [r.mediaType]: {} } : undefined;
        responses[status] = content ? { description: r.description, content } : { description: r.description };
      }
      const operation: Record<string, unknown> = {
        operationId: op.operationId,
        summary: op.summary,
        ...(op.description ? { description: op.description } : {}),
        tags: [op.tag],
        ...(op.auth === false ? { security: [] } : {}),
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(op.body ? { requestBody: { required: true, content: { [op.bodyMediaType ?? 'application/json']: { schema: ref(op.body) } } } } : {}),
        responses,
      };
      const item = (paths[op.path] ??= {});
      if (item[op.method]) throw new Error(`OpenAPI: ${op.method.toUpperCase()} ${op.path} is described twice`);
      item[op.method] = operation;
    }
  }
  const sortedPaths = Object.fromEntries(
    Object.keys(paths)
      .sort()
      .map((p) => [p, paths[p]]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'retouch',
      version,
      description:
        'Self-hosted image editing speaking the DashScope Wan 2.5 image-edit task protocol, with retouch extras (webhooks, operator endpoints). Generated from the schemas the server validates with; do not edit docs/openapi.json by hand (npm run gen:openapi).',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: 'http://127.0.0.1:8080' }],
    tags: descriptions.map((d) => d.tag),
    security: [{ apiKey: [] }],
    paths: sortedPaths,
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'A retouch API key (DASHSCOPE_API_KEY).' } },
      schemas,
    },
  };
}
