import { LRUCache } from 'lru-cache';
import { parse, specifiedRules, validate, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';
import { DocumentShapeRule, GRAPHQL_LIMITS, documentTextProblem, retainedBytes, tooComplex } from './limits';

const RULES = [...specifiedRules, DocumentShapeRule];

/**
 * Parsed and validated documents, kept by query text in an LRU bounded by the
 * bytes they hold on the heap (estimated per document), not by their number:
 * a client sending distinct large documents evicts older ones instead of
 * growing the heap. Only valid documents are kept; an invalid one costs its
 * parse and validation each time, which the text limits bound.
 */
export class GraphqlDocuments {
  private readonly cache: LRUCache<string, DocumentNode> | undefined;

  constructor(
    private readonly schema: GraphQLSchema,
    maxBytes: number,
  ) {
    this.cache =
      maxBytes > 0
        ? new LRUCache<string, DocumentNode>({
            maxSize: maxBytes,
            // a document larger than the whole cache is answered, not kept
            maxEntrySize: maxBytes,
            sizeCalculation: (document, query) => retainedBytes(query, document),
          })
        : undefined;
  }

  /** The document for `query`, or the errors that refuse it (limits, syntax, validation). */
  get(query: string): DocumentNode | readonly GraphQLError[] {
    const cached = this.cache?.get(query);
    if (cached) return cached;
    const problem = documentTextProblem(query);
    if (problem) return [problem];
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: GRAPHQL_LIMITS.tokens });
    } catch (error) {
      if ((error as GraphQLError).locations !== undefined || (error as Error).name === 'GraphQLError') return [error as GraphQLError];
      // the text checks keep the parser's recursion shallow; anything else is still the document's fault
      return [tooComplex(`the document could not be parsed: ${(error as Error).message}`)];
    }
    const errors = validate(this.schema, document, RULES);
    if (errors.length) return errors;
    this.cache?.set(query, document);
    return document;
  }

  /** Bytes (estimated) and entries held, for /metrics. */
  get stats(): { bytes: number; entries: number } {
    return { bytes: this.cache?.calculatedSize ?? 0, entries: this.cache?.size ?? 0 };
  }
}
