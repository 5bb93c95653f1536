import type { FastifyInstance } from 'fastify';

/**
 * An observation of a whole cluster is larger than any other request body
 * (kubectl's JSON of a 200-node, 2,000-Service cluster is several MB): these
 * two routes take up to OBSERVATION_BODY_LIMIT, every other route keeps the
 * server's limit.
 */
export const OBSERVATION_BODY_LIMIT = 32 * 1024 * 1024;

export function isObservationRoute(url: string | undefined): boolean {
  return (
    url !== undefined &&
    (/^\/v1\/clusters\/:clusterId\/observations$/.test(url) || url === '/v1/clusters::import' || url === '/v1/clusters:import')
  );
}

/** Before any route exists: routes keep the options they were added with. */
export function installObservationBodyLimit(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    if (isObservationRoute(route.url)) route.bodyLimit = OBSERVATION_BODY_LIMIT;
  });
}
