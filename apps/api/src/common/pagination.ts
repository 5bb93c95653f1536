import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Prefix } from '@kipam/cidr';
import { ValidationError } from './errors';
import { UUID_PATTERN } from './validation';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** `?limit=&cursor=`: cursor pagination in a stable order. */
export class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, description: 'Page size.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'The `nextCursor` of the previous page.' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Opaque cursor: the sort key of the last item of a page. */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** What each key of a cursor must be, so a forged cursor is a 422, never a failed SQL cast. */
export type CursorKey = 'text' | 'uuid' | 'cidr' | 'bigint' | 'timestamp';

const CURSOR_KEY_OK: Record<CursorKey, (k: string) => boolean> = {
  text: () => true,
  uuid: (k) => UUID_PATTERN.test(k),
  cidr: (k) => {
    try {
      Prefix.parseAddressOrCidr(k);
      return true;
    } catch {
      return false;
    }
  },
  bigint: (k) => /^\d{1,18}$/.test(k),
  timestamp: (k) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/.test(k) && !Number.isNaN(Date.parse(k)),
};

/**
 * The sort key a cursor carries. `shape` names each key's kind; a number n
 * means n text keys of which the last is a UUID (the id tie-breaker every
 * list sorts by last).
 */
export function decodeCursor(cursor: string | null | undefined, shape: number | readonly CursorKey[]): string[] | undefined {
  if (cursor === undefined || cursor === null) return undefined; // GraphQL's `after: null` is the first page
  const kinds: readonly CursorKey[] =
    typeof shape === 'number' ? [...Array.from({ length: shape - 1 }, () => 'text' as const), 'uuid' as const] : shape;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      key.length === kinds.length &&
      key.every((k, i) => typeof k === 'string' && !k.includes('\u0000') && k.length <= 1024 && CURSOR_KEY_OK[kinds[i]](k))
    ) {
      return key as string[];
    }
  } catch {
    // fall through
  }
  throw ValidationError.field('cursor', 'is not a cursor returned by this list');
}

/**
 * The page size to use: `limit` (REST) or `first` (GraphQL), the default when
 * absent; outside 1..MAX_PAGE_SIZE it is a 422, never a failed LIMIT.
 */
export function pageSize(limit: number | undefined, fallback = DEFAULT_PAGE_SIZE): number {
  if (limit === undefined || limit === null) return fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw ValidationError.field('limit', `must be a whole number from 1 to ${MAX_PAGE_SIZE} (first, in GraphQL)`);
  }
  return limit;
}

/** Builds a page from `limit + 1` rows fetched in order. */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, keyOf: (row: R) => (string | number)[]): Page<T> {
  const more = rows.length > limit;
  const shown = more ? rows.slice(0, limit) : rows;
  return { items: shown.map(map), nextCursor: more ? encodeCursor(keyOf(shown[shown.length - 1])) : null };
}
