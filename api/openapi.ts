import { z } from 'zod';
import { ERROR_CODE } from '../shared/errors/codes.js';
import { noxVersion } from '../shared/runtime/version.js';
import type { RouteSpec } from './http/route.js';

/**
 * The OpenAPI 3.1 document, built from the same route declarations (and zod schemas) that
 * validate requests. zod 4 emits JSON Schema draft 2020-12, which OpenAPI 3.1 uses as is.
 */
const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', description: `stable error code, e.g. ${ERROR_CODE.validationFailed}` },
    instance: { type: 'string' },
    correlationId: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' } } },
    },
  },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

function parameters(schema: z.ZodType | undefined, where: 'query' | 'path'): unknown[] {
  if (!schema) return [];
  const js = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (js.required ?? []).includes(name),
    schema: s,
  }));
}

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

export function buildOpenApi(routes: readonly RouteSpec[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const responses: Record<string, unknown> = {};
    for (const [status, spec] of Object.entries(r.responses ?? { [r.status ?? 200]: { description: 'OK' } })) {
      responses[status] = spec.schema
        ? { description: spec.description, content: { 'application/json': { schema: jsonSchema(spec.schema, 'output') } } }
        : { description: spec.description };
    }
    if (r.body || r.query || r.params) responses['400'] = problemResponse('Invalid request');
    if (r.auth !== 'public') {
      responses['401'] = problemResponse('Missing, invalid or expired token');
      responses['403'] = problemResponse(`Role not allowed (needs ${r.auth.join(', ')})`);
    }
    responses['429'] = problemResponse('Rate limited');
    responses['503'] = problemResponse('Redis or worker hosts unavailable');
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      tags: [r.tag],
      security: r.auth === 'public' ? [] : [{ bearer: [] }, { cookie: [] }],
      'x-roles': r.auth === 'public' ? [] : r.auth,
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Nox API', version: noxVersion(), description: 'Runs a fleet of Claude Code CLI agents on a Redis job queue.' },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'nox_token' },
      },
      schemas: { Problem: problemSchema },
    },
    paths,
  };
}
