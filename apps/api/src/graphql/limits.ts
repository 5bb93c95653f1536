import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import { createComplexityRule, fieldExtensionsEstimator, simpleEstimator } from 'graphql-query-complexity';

/**
 * What one GraphQL document may cost. The first four are checked on the text
 * before it is parsed, with one pass of graphql-js's lexer (which keeps no
 * tokens), so a document too large for them never becomes a syntax tree; the
 * others are validation rules on the parsed document.
 */
export const GRAPHQL_LIMITS = {
  /** Bytes of query text (UTF-8). */
  documentBytes: 64 * 1024,
  /** Lexical tokens (names, punctuation, values); comments do not count. */
  tokens: 10_000,
  /** Brackets ({, [, () inside each other: graphql-js's parser recurses per level. */
  nesting: 32,
  /** Fields asked for under another response name (`a: field`): each is executed and answered on its own. */
  aliases: 200,
  /** Field selections, counting a fragment's fields at each of its spreads. */
  fields: 2_000,
  /** Fields inside fields; `__schema` and `__type` are bounded by graphql-js's MaxIntrospectionDepthRule instead. */
  depth: 10,
  /** Estimated cost of the result: each connection counts its page size times what each item asks for. */
  complexity: 50_000,
} as const;

const TOO_COMPLEX = { code: 'QUERY_TOO_COMPLEX', type: '/problems/query-too-complex', title: 'Query too complex', status: 400 };

export const tooComplex = (message: string) => new GraphQLError(message, { extensions: TOO_COMPLEX });

const OPENING = new Set<TokenKind>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<TokenKind>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/**
 * The checks on the text: size, tokens, bracket nesting and aliases (a colon
 * directly inside a selection set: arguments, variables and object values sit
 * inside parentheses). Returns the first limit the document exceeds, or
 * undefined; a document the lexer cannot read is left to the parser, whose
 * syntax error says where.
 */
export function documentTextProblem(query: string): GraphQLError | undefined {
  const bytes = Buffer.byteLength(query, 'utf8');
  if (bytes > GRAPHQL_LIMITS.documentBytes) {
    return tooComplex(`the document is ${bytes} bytes; at most ${GRAPHQL_LIMITS.documentBytes} are allowed`);
  }
  const lexer = new Lexer(new Source(query));
  const open: TokenKind[] = [];
  let parens = 0;
  let tokens = 0;
  let aliases = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      if (++tokens > GRAPHQL_LIMITS.tokens) {
        return tooComplex(`the document has more than ${GRAPHQL_LIMITS.tokens} tokens; ask for fewer fields`);
      }
      if (OPENING.has(token.kind)) {
        open.push(token.kind);
        if (token.kind === TokenKind.PAREN_L) parens++;
        if (open.length > GRAPHQL_LIMITS.nesting) {
          return tooComplex(`the document nests brackets deeper than ${GRAPHQL_LIMITS.nesting} levels`);
        }
      } else if (CLOSING.has(token.kind)) {
        if (open.pop() === TokenKind.PAREN_L) parens--;
      } else if (token.kind === TokenKind.COLON && parens === 0 && open[open.length - 1] === TokenKind.BRACE_L) {
        aliases++;
      }
    }
  } catch {
    return undefined; // a syntax error: parse() reports it with its position
  }
  if (aliases > GRAPHQL_LIMITS.aliases) {
    return tooComplex(`the document has ${aliases} aliases; at most ${GRAPHQL_LIMITS.aliases} are allowed`);
  }
  return undefined;
}

const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/**
 * Depth (fields inside fields) and the number of field selections, per
 * operation, following fragment spreads. The AST is at most
 * GRAPHQL_LIMITS.nesting deep (checked on the text), so recursion is safe;
 * fragment cycles are NoFragmentCyclesRule's to report.
 */
export function DocumentShapeRule(context: ValidationContext): ASTVisitor {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of context.getDocument().definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const memo = new Map<string, { depth: number; fields: number }>();
  const visiting = new Set<string>();

  const measure = (set: SelectionSetNode | undefined): { depth: number; fields: number } => {
    let depth = 0;
    let fields = 0;
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        fields++;
        if (INTROSPECTION_ROOTS.has(selection.name.value)) continue;
        const inner = measure(selection.selectionSet);
        depth = Math.max(depth, 1 + inner.depth);
        fields += inner.fields;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const inner = measure(selection.selectionSet);
        depth = Math.max(depth, inner.depth);
        fields += inner.fields;
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visiting.has(name)) continue;
        let inner = memo.get(name);
        if (!inner) {
          visiting.add(name);
          inner = measure(fragment.selectionSet);
          visiting.delete(name);
          memo.set(name, inner);
        }
        depth = Math.max(depth, inner.depth);
        fields += inner.fields;
      }
    }
    return { depth, fields };
  };

  return {
    OperationDefinition(operation) {
      const { depth, fields } = measure(operation.selectionSet);
      if (depth > GRAPHQL_LIMITS.depth) {
        context.reportError(
          new GraphQLError(`query depth ${depth} exceeds the limit of ${GRAPHQL_LIMITS.depth}`, {
            nodes: operation,
            extensions: TOO_COMPLEX,
          }),
        );
      }
      if (fields > GRAPHQL_LIMITS.fields) {
        context.reportError(
          new GraphQLError(
            `the document selects ${fields} fields; at most ${GRAPHQL_LIMITS.fields} are allowed (a fragment counts at each of its spreads)`,
            { nodes: operation, extensions: TOO_COMPLEX },
          ),
        );
      }
      return false;
    },
  };
}

/** The complexity limit: it depends on each request's variables (`first: $n`), so it is checked per request. */
export function complexityRule(variables: Record<string, unknown>) {
  return createComplexityRule({
    maximumComplexity: GRAPHQL_LIMITS.complexity,
    variables,
    estimators: [fieldExtensionsEstimator(), simpleEstimator({ defaultComplexity: 1 })],
    createError: (max, actual) =>
      new GraphQLError(`query complexity ${actual} exceeds the limit of ${max}; ask for fewer items (first) or fields`, {
        extensions: TOO_COMPLEX,
      }),
  });
}

/** Bytes a parsed document keeps on the heap, estimated from its text and tokens (measured: about 310 per token with locations). */
export function retainedBytes(query: string, document: DocumentNode): number {
  const tokens = (document as DocumentNode & { tokenCount?: number }).tokenCount ?? query.length;
  return 2 * query.length + 400 * tokens + 1024;
}
