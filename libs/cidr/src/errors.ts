/** Every machine code a CidrError can carry; callers switch on these, so they are part of the API. */
export type CidrErrorCode =
  | 'invalid-address'
  | 'invalid-cidr'
  | 'host-bits-set'
  | 'invalid-family'
  | 'invalid-range'
  | 'out-of-range'
  | 'not-contained'
  | 'service-cidr-too-large'
  | 'service-cidr-too-small'
  | 'node-mask-too-small'
  | 'node-mask-too-large'
  | 'node-mask-out-of-range'
  | 'invalid-kubernetes-version';

/**
 * The only error type this library throws for bad input. `code` is stable for programs,
 * `message` is for humans, `input` is the offending value exactly as it was given.
 */
export class CidrError extends Error {
  readonly code: CidrErrorCode;
  readonly input: unknown;

  constructor(code: CidrErrorCode, message: string, input: unknown) {
    super(message);
    // new.target keeps the subclass name in stack traces and logs.
    this.name = new.target.name;
    this.code = code;
    this.input = input;
  }
}

export class InvalidAddressError extends CidrError {
  constructor(message: string, input: unknown) {
    super('invalid-address', message, input);
  }
}

export class InvalidCidrError extends CidrError {
  /** For `host-bits-set`: the canonical network the caller probably meant. */
  readonly suggestion?: string;

  constructor(message: string, input: unknown, code: 'invalid-cidr' | 'host-bits-set' = 'invalid-cidr', suggestion?: string) {
    super(code, message, input);
    if (suggestion !== undefined) this.suggestion = suggestion;
  }
}

const ECHO_LIMIT = 48;

/**
 * Quote user text for a message: JSON escaping makes whitespace and control characters visible,
 * and truncation keeps a 1 MB payload from ending up in a log line.
 */
export function quote(text: string): string {
  if (text.length <= ECHO_LIMIT) return JSON.stringify(text);
  return `${JSON.stringify(text.slice(0, ECHO_LIMIT))}… (${text.length} characters)`;
}

/** Describe a non-string value without calling its toString (which may throw or lie). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'number':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'bigint':
      return `bigint ${value.toString()}n`;
    case 'string':
      return `string ${quote(value)}`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    case 'object':
    default:
      try {
        return Array.isArray(value) ? 'an array' : 'an object';
      } catch {
        // Array.isArray throws on a revoked Proxy; it is still just "an object" to the caller.
        return 'an object';
      }
  }
}
