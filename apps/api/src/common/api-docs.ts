import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { problemType } from './errors';

/** RFC 9457 problem document, as every error response carries it. */
export class ProblemModel {
  @ApiProperty({ example: '/problems/range-exhausted', description: 'Problem type: a path under /problems/.' }) type!: string;
  @ApiProperty({ example: 'Range exhausted' }) title!: string;
  @ApiProperty({ example: 409 }) status!: number;
  @ApiPropertyOptional() detail?: string;
  @ApiPropertyOptional({ description: 'The request path.' }) instance?: string;
  @ApiPropertyOptional({ description: 'Correlates with the X-Request-Id header and the logs.' }) requestId?: string;
  @ApiPropertyOptional({
    description: 'Field-level validation errors (422).',
    type: 'array',
    items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } }, required: ['field', 'message'] },
  })
  errors?: { field: string; message: string }[];
}

export const PROBLEM_SCHEMA_REF = '#/components/schemas/ProblemModel';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request (bad JSON or YAML, a body nesting deeper than 32 levels)',
  401: 'Missing, unknown, revoked or expired bearer token',
  403: 'The token may not do this',
  404: 'No such resource',
  409: 'Conflict with the current state',
  412: 'If-Match does not match the current ETag',
  413: 'Request body too large',
  415: 'Unsupported request content type',
  422: 'Validation failed: the fields and rules are listed in `errors`',
  429: 'Too many requests with this token this minute: retry after Retry-After seconds',
  503: 'Database unavailable or overloaded: retry after Retry-After seconds',
};

const RETRY_AFTER = { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } };

/** The schema of an error response: a problem document whose `type` is one of `slugs`. */
export function problemSchema(slugs: readonly string[]) {
  return {
    allOf: [{ $ref: PROBLEM_SCHEMA_REF }, { type: 'object', properties: { type: { type: 'string', enum: slugs.map(problemType) } } }],
  };
}

/** One documented error response (also used by openapi.ts for the problems every route shares). */
export function problemResponse(status: number, slugs: readonly string[]) {
  return {
    description: `${DESCRIPTIONS[status] ?? 'Error'}. Problem types: ${slugs.map((s) => `\`${problemType(s)}\``).join(', ')}`,
    content: { 'application/problem+json': { schema: problemSchema(slugs) } },
    ...(status === 503
      ? { headers: { 'Retry-After': RETRY_AFTER } }
      : slugs.includes('idempotency-key-in-use')
        ? {
            headers: {
              'Retry-After': { ...RETRY_AFTER, description: 'Seconds to wait: sent with `/problems/idempotency-key-in-use` only.' },
            },
          }
        : {}),
  };
}

/** Documents error responses with their problem types. `409: ['range-exhausted', ...]` */
export function ApiProblems(problems: Partial<Record<number, string[]>>) {
  const statuses: Record<number, string[]> = { 401: ['unauthorized'], 422: ['validation-failed'], 503: ['unavailable'], ...problems };
  return applyDecorators(
    ...Object.entries(statuses).map(([status, slugs]) =>
      ApiResponse({ status: Number(status), ...problemResponse(Number(status), slugs ?? []) }),
    ),
  );
}

const ETAG = {
  description: 'The version of the returned object: send it back as `If-Match` on PATCH and DELETE.',
  schema: { type: 'string', example: '"3"' },
};
const LOCATION = { description: 'Path of the created object: `GET` it, `PATCH` it, `DELETE` it.', schema: { type: 'string' } };

/** Response headers of a read or an update of one object. */
export const ETAG_HEADERS = { ETag: ETAG };
/** Response headers of a create. */
export const CREATED_HEADERS = { Location: LOCATION, ETag: ETAG };

/** The `If-Match` request header of PATCH and DELETE (read it with the `IfMatch()` parameter decorator). */
export const IF_MATCH_HEADER = {
  name: 'If-Match',
  required: false,
  description:
    'ETag from a previous read (one, or a comma-separated list): 412 when the object changed since. Compared strongly: a weak tag (`W/"2"`) never matches. `*` or no header: unconditional.',
};

/** `?label=` on collections with labels (a string or a repeated parameter). */
export function ApiLabelQuery() {
  return ApiQuery({
    name: 'label',
    required: false,
    style: 'form',
    explode: true,
    description: 'Label selector: `key=value`, `key!=value`, `key`, `!key`; repeat the parameter or comma-separate to AND them.',
    schema: { type: 'array', items: { type: 'string' } },
  });
}
