import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthorizedError } from './errors';
import { PrincipalSource, type Principal } from './principal';
import { IS_PUBLIC } from './public.decorator';
import { contextOf, currentContext } from './request-context';

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/**
 * What a REST route or a GraphQL field needs:
 * - `read`: any valid token;
 * - `change`: a writer or an admin; a writer scoped to clusters only when
 *   `clusterId` (the cluster the change touches) is one of them;
 * - `admin`: token management and the audit trail.
 */
export type Access = { kind: 'read' } | { kind: 'admin'; what: string } | { kind: 'change'; clusterId?: string };

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** REST route prefixes only admins may use, whatever the method. */
const ADMIN_ROUTES: [prefix: string, what: string][] = [
  ['/v1/tokens', 'manage tokens'],
  ['/v1/audit', 'read the audit trail'],
  ['/v1/webhooks', 'manage webhooks'],
];

/** GraphQL queries only admins may use. */
const ADMIN_QUERIES: Record<string, string> = { audit: 'read the audit trail' };

/**
 * The argument naming the cluster a mutation changes, where it is not
 * `clusterId` (the mutations on a cluster itself). A mutation with neither
 * touches no single cluster: a scoped writer may not run it.
 */
const CLUSTER_ARGUMENT: Record<string, string> = { updateCluster: 'id', deleteCluster: 'id' };

/** The access a REST request needs, from its route pattern, method and path parameters. */
export function restAccess(route: string, method: string, params: Record<string, unknown>): Access {
  const admin = ADMIN_ROUTES.find(([prefix]) => route === prefix || route.startsWith(`${prefix}/`));
  if (admin) return { kind: 'admin', what: admin[1] };
  if (READ_METHODS.has(method)) return { kind: 'read' };
  const clusterId = params.clusterId;
  return { kind: 'change', clusterId: typeof clusterId === 'string' ? clusterId : undefined };
}

/** The access a GraphQL field needs, from its parent type, name and arguments. */
export function graphqlAccess(parentType: string | undefined, field: string | undefined, args: Record<string, unknown>): Access {
  if (parentType === 'Query' && field && ADMIN_QUERIES[field]) return { kind: 'admin', what: ADMIN_QUERIES[field] };
  if (parentType !== 'Mutation') return { kind: 'read' };
  const clusterId = args[(field && CLUSTER_ARGUMENT[field]) ?? 'clusterId'];
  return { kind: 'change', clusterId: typeof clusterId === 'string' ? clusterId : undefined };
}

/** The one place roles are checked, for REST and GraphQL alike: throws 403 when the principal may not. */
export function authorize(principal: Principal, access: Access): void {
  if (principal.role === 'admin' || access.kind === 'read') return;
  if (access.kind === 'admin')
    throw new ForbiddenError(`token ${principal.name} is a ${principal.role}: only admin tokens may ${access.what}`);
  if (principal.role !== 'writer') throw new ForbiddenError(`token ${principal.name} is a reader: it may not change anything`);
  if (principal.clusters.length === 0) return;
  const clusterId = access.clusterId?.toLowerCase();
  if (clusterId && principal.clusters.includes(clusterId)) return;
  throw new ForbiddenError(
    clusterId
      ? `token ${principal.name} may only change clusters ${principal.clusters.join(', ')}, not ${access.clusterId}`
      : `token ${principal.name} is scoped to clusters ${principal.clusters.join(', ')}: it may change only those (their nodes and Services), not domains, ranges or other clusters`,
  );
}

/**
 * The global guard: every /v1 route and every GraphQL field (resolver
 * enhancers) goes through it. A request is authenticated once (GraphQL in
 * graphql-http.ts, before execution); `authorize` decides per route or field.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(PrincipalSource) private readonly tokens: PrincipalSource,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = requestOf(context);
    if (!request) return true;
    const principal = request.principal ?? (await this.authenticate(request.headers.authorization));
    request.principal = principal;
    const requestContext = contextOf(request) ?? currentContext();
    if (requestContext) requestContext.principal = principal;
    authorize(principal, accessOf(context, request));
    return true;
  }

  /** The principal of an `Authorization: Bearer <token>` header; 401 when missing, unknown, revoked or expired. */
  async authenticate(header: string | undefined): Promise<Principal> {
    if (!header) throw new UnauthorizedError();
    const match = /^Bearer ([\x21-\x7e]+)$/i.exec(header.trim());
    if (!match) throw new UnauthorizedError('the Authorization header must be "Bearer <token>"');
    const principal = await this.tokens.authenticate(match[1]);
    if (!principal) throw new UnauthorizedError('the bearer token is unknown, revoked or expired');
    return principal;
  }
}

function accessOf(context: ExecutionContext, request: AuthenticatedRequest): Access {
  if (context.getType() === 'http') {
    return restAccess(request.routeOptions.url ?? request.url, request.method, (request.params ?? {}) as Record<string, unknown>);
  }
  const args = (context.getArgs()[1] ?? {}) as Record<string, unknown>;
  const info = context.getArgs()[3] as { parentType?: { name?: string }; fieldName?: string } | undefined;
  return graphqlAccess(info?.parentType?.name, info?.fieldName, args);
}

function requestOf(context: ExecutionContext): AuthenticatedRequest | undefined {
  if (context.getType() === 'http') return context.switchToHttp().getRequest<AuthenticatedRequest>();
  // GraphQL: the request sits in the resolver context
  const ctx = context.getArgs()[2] as { req?: AuthenticatedRequest } | undefined;
  return ctx?.req;
}
