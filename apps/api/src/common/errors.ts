/**
 * Typed domain errors. Each carries its RFC 9457 problem `type` (a path under
 * /problems/), and one filter turns them into responses for REST and GraphQL.
 */
export interface FieldError {
  field: string;
  message: string;
}

export const problemType = (slug: string) => `/problems/${slug}`;

export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }

  get type(): string {
    return problemType(this.slug);
  }
}

export class BadRequestError extends DomainError {
  constructor(detail: string) {
    super(400, 'bad-request', 'Bad request', detail);
  }
}

export class ValidationError extends DomainError {
  constructor(errors: FieldError[], detail?: string) {
    super(422, 'validation-failed', 'Validation failed', detail ?? errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  }

  static field(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(detail = 'a valid bearer token is required (Authorization: Bearer <token>)') {
    super(401, 'unauthorized', 'Unauthorized', detail, {}, { 'WWW-Authenticate': 'Bearer realm="kipam"' });
  }
}

export class ForbiddenError extends DomainError {
  constructor(detail: string) {
    super(403, 'forbidden', 'Forbidden', detail);
  }
}

export class NotFoundError extends DomainError {
  constructor(resource: string, id: string) {
    super(404, 'not-found', 'Not found', `${resource} ${id} does not exist`, { resource, id });
  }
}

export class ConflictError extends DomainError {
  constructor(
    detail: string,
    extra: Record<string, unknown> = {},
    slug = 'conflict',
    title = 'Conflict',
    headers: Record<string, string> = {},
  ) {
    super(409, slug, title, detail, extra, headers);
  }
}

/** The holder already exists (same name): the client may adopt it at `location`. */
export class AlreadyExistsError extends ConflictError {
  constructor(resource: string, name: string, location?: string) {
    super(
      `${resource} ${name} already exists`,
      location ? { location } : {},
      'already-exists',
      'Already exists',
      location ? { Location: location } : {},
    );
  }
}

export class RangeExhaustedError extends ConflictError {
  constructor(detail: string, extra: Record<string, unknown> = {}) {
    super(detail, extra, 'range-exhausted', 'Range exhausted');
  }
}

/** A requested block or address is already leased. */
export class AddressTakenError extends ConflictError {
  constructor(detail: string, extra: Record<string, unknown> = {}) {
    super(detail, extra, 'address-taken', 'Address already leased');
  }
}

/** A CIDR overlaps another holder's CIDR where overlap would break routing. */
export class CidrConflictError extends ConflictError {
  constructor(detail: string, extra: Record<string, unknown> = {}) {
    super(detail, extra, 'cidr-conflict', 'CIDR conflict');
  }
}

export class PreconditionFailedError extends DomainError {
  constructor(detail: string) {
    super(412, 'precondition-failed', 'Precondition failed', detail);
  }
}

export class UnavailableError extends DomainError {
  constructor(detail: string, retryAfterSeconds = 2) {
    super(503, 'unavailable', 'Service unavailable', detail, {}, { 'Retry-After': String(retryAfterSeconds) });
  }
}
