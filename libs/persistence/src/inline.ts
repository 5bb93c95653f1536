import { escapeLiteral } from 'pg';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- pg's own value conversion, not in its type definitions
const { prepareValue } = require('pg/lib/utils') as { prepareValue(value: unknown): unknown };

/**
 * Writes a parameterised statement as plain SQL, its `$n` placeholders
 * replaced by literals, so that it can share one simple-protocol message (and
 * one round trip) with `BEGIN` or `COMMIT`. Values are converted exactly as
 * the pg driver converts parameters and quoted with its `escapeLiteral`; like
 * pg's parameters, the literals are untyped and take their type from the
 * statement. Returns undefined when a value cannot travel inside SQL text (a
 * NUL character, binary data): the caller then sends the statement on its own.
 */
export function inlineParams(sql: string, params: readonly unknown[] = []): string | undefined {
  const literals: string[] = [];
  for (const param of params) {
    const value = prepareValue(param);
    if (value === null || value === undefined) {
      literals.push('NULL');
    } else if (typeof value === 'string' && !value.includes('\0')) {
      literals.push(escapeLiteral(value));
    } else {
      return undefined;
    }
  }
  let unknownPlaceholder = false;
  const text = sql.replace(/\$(\d+)/g, (_, n: string) => {
    const literal = literals[Number(n) - 1];
    if (literal === undefined) unknownPlaceholder = true;
    return literal ?? '';
  });
  return unknownPlaceholder ? undefined : text;
}
