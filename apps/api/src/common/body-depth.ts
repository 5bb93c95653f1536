import { Parser, type CST } from 'yaml';
import { BadRequestError } from './errors';

/**
 * How deeply a request body may nest objects and arrays (the top-level value
 * counts as 1). Kipam's deepest body, a Service manifest with managedFields,
 * nests about 10; validation, class-transformer and the YAML composer recurse
 * per level and overflow the stack in the thousands, so bodies are measured
 * before anything walks them.
 */
export const MAX_BODY_DEPTH = 32;

export class BodyTooDeepError extends BadRequestError {
  constructor(what = 'the request body') {
    super(`${what} nests objects or arrays deeper than ${MAX_BODY_DEPTH} levels`);
  }
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when JSON text nests deeper than `max`: one pass over the characters,
 * skipping strings, before the text is parsed. Malformed text is left to the
 * parser to report.
 */
export function jsonNestsDeeperThan(text: string, max = MAX_BODY_DEPTH): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // to the closing quote, past escaped characters
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i++;
        else if (d === QUOTE) break;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/**
 * True when a parsed value nests deeper than `max` along any path (a cycle
 * nests without end). Iterative, and each object is walked again only when
 * reached at a greater depth than before, so values that share parts (YAML
 * aliases) cost no more than their text.
 */
export function valueNestsDeeperThan(value: unknown, max = MAX_BODY_DEPTH): boolean {
  const deepestSeen = new Map<object, number>();
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    if ((deepestSeen.get(node) ?? 0) >= depth) continue;
    deepestSeen.set(node, depth);
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

const YAML_COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * True when YAML text nests collections deeper than `max`, measured on the
 * syntax tree of yaml's parser (which keeps its own stack) before the
 * recursive composer runs. Aliases are measured afterwards, on the value.
 */
export function yamlNestsDeeperThan(text: string, max = MAX_BODY_DEPTH): boolean {
  const stack: [CST.Token | null | undefined, number][] = [];
  for (const token of new Parser().parse(text)) stack.push([token, 0]);
  while (stack.length) {
    const [token, depth] = stack.pop()!;
    if (!token) continue;
    if (token.type === 'document') {
      stack.push([token.value, depth]);
      continue;
    }
    if (!YAML_COLLECTIONS.has(token.type)) continue;
    if (depth + 1 > max) return true;
    for (const item of (token as CST.BlockMap | CST.BlockSequence | CST.FlowCollection).items) {
      stack.push([item.key, depth + 1], [item.value, depth + 1]);
    }
  }
  return false;
}
