import { HttpException } from '@nestjs/common';
import { Address, CidrError, Prefix } from '@kipam/cidr';
import { isPgError, PgCode } from '@kipam/persistence';
import { BlockTakenError, LeaseLengthError, OutsidePoolError, PoolExhaustedError } from '@kipam/allocation';
import {
  AddressTakenError,
  AlreadyExistsError,
  ConflictError,
  CidrConflictError,
  DomainError,
  RangeExhaustedError,
  UnavailableError,
  ValidationError,
  problemType,
} from './errors';

/** An RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId?: string;
  [extension: string]: unknown;
}

export interface ProblemResponse {
  problem: Problem;
  headers: Record<string, string>;
  /** Unexpected: worth an error log with the stack. */
  unexpected: boolean;
}

export const STATUS_SLUGS: Record<number, [string, string]> = {
  400: ['bad-request', 'Bad request'],
  401: ['unauthorized', 'Unauthorized'],
  403: ['forbidden', 'Forbidden'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  406: ['not-acceptable', 'Not acceptable'],
  409: ['conflict', 'Conflict'],
  411: ['length-required', 'Length required'],
  412: ['precondition-failed', 'Precondition failed'],
  413: ['payload-too-large', 'Payload too large'],
  414: ['uri-too-long', 'URI too long'],
  415: ['unsupported-media-type', 'Unsupported media type'],
  422: ['validation-failed', 'Validation failed'],
  428: ['precondition-required', 'Precondition required'],
  429: ['too-many-requests', 'Too many requests'],
  431: ['headers-too-large', 'Request header fields too large'],
};

/** Connection-level failures: the database is away, not the request wrong. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

/** Maps anything thrown while serving a request to a problem document. */
export function toProblem(error: unknown): ProblemResponse {
  const domain = asDomainError(error);
  if (domain) {
    return {
      problem: { type: domain.type, title: domain.title, status: domain.status, detail: domain.message, ...domain.extra },
      headers: domain.headers,
      unexpected: false,
    };
  }
  const status = httpStatusOf(error);
  if (status !== undefined && status >= 400 && status < 500) {
    const [slug, title] = STATUS_SLUGS[status] ?? ['bad-request', 'Bad request'];
    return { problem: { type: problemType(slug), title, status, detail: httpDetailOf(error, title) }, headers: {}, unexpected: false };
  }
  return { problem: { type: 'about:blank', title: 'Internal Server Error', status: 500 }, headers: {}, unexpected: true };
}

/** The holder of a taken block in words, when it could be looked up (ErrorDescriber). */
export interface DescribedHolder {
  name: string;
  namespace: string | null;
  clusterId: string | null;
  clusterName: string | null;
  /** E.g. `node n1 of cluster c1`. */
  phrase: string;
}

/**
 * The one answer to "the block asked for is taken", for every feature, REST
 * and GraphQL: 409 address-taken with the request `field` (the label of the
 * engine request), the `cidr` asked for, and the `holder` of the lease in the
 * way with its `cidr` (no holder while another transaction is allocating it).
 */
export function addressTaken(error: BlockTakenError, described?: DescribedHolder): AddressTakenError {
  const field = error.label ?? 'cidr';
  const block = error.block;
  const asked = block.length === block.bits ? Address.fromBigInt(block.family, block.network).toString() : block.toString();
  const held = error.holder;
  let detail: string;
  if (!held) detail = `${field} ${asked} is being allocated to another request right now`;
  else {
    const who = described?.phrase ?? `${held.kind} ${held.id}`;
    const heldCidr = Prefix.parseAddressOrCidr(held.cidr);
    detail = heldCidr.equals(block)
      ? `${field} ${asked} is already held by ${who}`
      : `${field} ${asked} overlaps ${heldCidr}, held by ${who}`;
  }
  if (error.hint) detail += `; ${error.hint}`;
  const holder = held && {
    kind: held.kind,
    id: held.id,
    cidr: Prefix.parseAddressOrCidr(held.cidr).toString(),
    ...(described
      ? { name: described.name, namespace: described.namespace, clusterId: described.clusterId, clusterName: described.clusterName }
      : {}),
  };
  return new AddressTakenError(detail, { field, cidr: block.toString(), ...(holder ? { holder } : {}) });
}

/** The resource a name's unique index belongs to (the creates answer these with a Location themselves). */
const NAME_INDEXES: Record<string, string> = {
  domain_name_key: 'domain',
  range_domain_id_name_key: 'range',
  cluster_domain_id_name_key: 'cluster',
  node_cluster_id_name_key: 'node',
  service_cluster_id_namespace_name_key: 'Service',
  api_token_name_key: 'token',
};

/**
 * A unique violation no feature turned into its own answer: the resource's
 * already-exists for a name, otherwise a plain conflict. Constraint names are
 * the schema's, not the API's: they never reach a client.
 */
function uniqueViolation(constraint: string | undefined): DomainError {
  const resource = constraint ? NAME_INDEXES[constraint] : undefined;
  if (resource) return new AlreadyExistsError(resource, 'of that name');
  return new ConflictError('a concurrent request created the same thing first; read it, or retry');
}

function asDomainError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  if (error instanceof PoolExhaustedError) return new RangeExhaustedError(error.message, { prefixLength: error.prefixLength });
  if (error instanceof BlockTakenError) return addressTaken(error);
  if (error instanceof OutsidePoolError || error instanceof LeaseLengthError)
    return new ValidationError([{ field: 'cidr', message: error.message }]);
  if (error instanceof CidrError) {
    return new ValidationError([{ field: fieldOf(error), message: error.message }]);
  }
  if (isPgError(error)) {
    switch (error.code) {
      case PgCode.rangeExhausted:
        return new RangeExhaustedError(error.message);
      case PgCode.blockTaken:
        return new AddressTakenError(error.message);
      case PgCode.outsidePool:
      case PgCode.leaseLength:
        return new ValidationError([{ field: 'cidr', message: error.message }]);
      case PgCode.exclusionViolation:
        return new CidrConflictError('the CIDR overlaps one held already');
      case PgCode.uniqueViolation:
        return uniqueViolation(error.constraint);
      case PgCode.foreignKeyViolation:
        return new ConflictError('the resource is still referenced by another one, or one it refers to was deleted meanwhile');
      case '22021': // character_not_in_repertoire: text holding U+0000, which PostgreSQL text cannot store
      case '22P05': // untranslatable_character
        return new ValidationError([], 'a text value of the request holds a character that cannot be stored (such as U+0000)');
      // Values the database refuses on their own: the request carried them (defence in depth behind validation)
      case '23502': // not_null_violation
        return new ValidationError([], 'a required value is missing');
      case '23514': // check_violation
        return new ValidationError([], 'a value is out of its allowed range');
      case '22001': // string_data_right_truncation
      case '22003': // numeric_value_out_of_range
      case '54000': // program_limit_exceeded (e.g. an index entry too large)
        return new ValidationError([], 'a value of the request is too large');
      case '40001': // serialization_failure
      case '40P01': // deadlock_detected
        // the transaction was retried (Database.transaction) and lost every time: busy, not broken
        return new UnavailableError('the request kept colliding with concurrent changes of the same data; retry it', 1);
      default:
        if (UNAVAILABLE_CODES.has(error.code)) return new UnavailableError('the database is unavailable; retry shortly');
        return undefined;
    }
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) return new UnavailableError('the database is unavailable; retry shortly');
  const message = (error as { message?: unknown } | null)?.message;
  if (
    typeof message === 'string' &&
    /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(
      message,
    )
  ) {
    return new UnavailableError('the database is unavailable; retry shortly');
  }
  return undefined;
}

function fieldOf(error: CidrError): string {
  return (error as CidrError & { field?: string }).field ?? 'cidr';
}

function httpStatusOf(error: unknown): number | undefined {
  if (error instanceof HttpException) return error.getStatus();
  const e = error as { statusCode?: unknown; status?: unknown } | null;
  const s = e?.statusCode ?? e?.status;
  return typeof s === 'number' ? s : undefined;
}

function httpDetailOf(error: unknown, fallback: string): string {
  if (error instanceof HttpException) {
    const body = error.getResponse();
    if (typeof body === 'string') return body;
    const message = (body as { message?: unknown }).message;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string') return message;
  }
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message ? message.replace(/^FST_\w+: /, '') : fallback;
}
