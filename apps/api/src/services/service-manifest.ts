import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse as parseYaml, stringify } from 'yaml';
import { isIPFamily } from '@kipam/cidr';
import { BadRequestError, ValidationError, type FieldError } from '../common/errors';
import { BodyTooDeepError, valueNestsDeeperThan, yamlNestsDeeperThan } from '../common/body-depth';
import { labelProblems, type Labels } from '../common/labels';
import { IP_FAMILY_POLICIES, SERVICE_TYPES, type IPFamilyPolicy, type ServiceSpecInput, type ServiceType } from './service-ip-rules';
import { namespaceProblem, serviceNameProblem } from './service-names';
import type { ServiceModel } from './models/service.model';

/**
 * Kubernetes manifest mode: a whole `v1/Service` in, the same manifest out with
 * the ClusterIP fields filled in the way `kubectl get svc -o yaml` shows them.
 * Fields Kipam does not model (ports, sessionAffinity, annotations...) are echoed.
 */

type Json = Record<string, unknown>;

export interface ServiceManifest {
  namespace: string;
  name: string;
  /** metadata.labels when given (undefined: keep on update). */
  labels?: Labels;
  spec: ServiceSpecInput;
  /** The manifest as sent, to echo back. */
  source: { top: Json; metadata: Json; spec: Json };
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A YAML body that did not parse: the route answers 400 with the parser's message. */
export class InvalidYaml {
  constructor(readonly message: string) {}
}

/** Reads and validates a Service manifest (422 naming `metadata.name`, `spec.ipFamilies[1]`, ...). */
export function parseServiceManifest(body: unknown): ServiceManifest {
  if (body instanceof InvalidYaml) throw new BadRequestError(`the body is not valid YAML: ${body.message}`);
  if (!isObject(body))
    throw ValidationError.field('body', 'must be a Kubernetes Service manifest (an object with apiVersion, kind, metadata, spec)');
  const errors: FieldError[] = [];
  if (body.apiVersion !== 'v1') errors.push({ field: 'apiVersion', message: 'must be "v1"' });
  if (body.kind !== 'Service') errors.push({ field: 'kind', message: 'must be "Service"' });
  const metadata = body.metadata ?? {};
  const specIn = body.spec ?? {};
  if (!isObject(metadata)) errors.push({ field: 'metadata', message: 'must be an object' });
  if (!isObject(specIn)) errors.push({ field: 'spec', message: 'must be an object' });
  if (errors.length || !isObject(metadata) || !isObject(specIn)) throw new ValidationError(errors);

  const name = metadata.name;
  const nameProblem = serviceNameProblem(name);
  if (nameProblem) errors.push({ field: 'metadata.name', message: nameProblem });
  const namespace = metadata.namespace ?? 'default';
  const nsProblem = namespaceProblem(namespace);
  if (nsProblem) errors.push({ field: 'metadata.namespace', message: nsProblem });
  let labels: Labels | undefined;
  if (metadata.labels !== undefined && metadata.labels !== null) {
    const problems = labelProblems(metadata.labels);
    if (problems.length) errors.push({ field: 'metadata.labels', message: problems.join('; ') });
    else labels = metadata.labels as Labels;
  }

  const spec: ServiceSpecInput = {};
  const str = (key: string, allowed?: readonly string[]): string | undefined => {
    const v = specIn[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || (allowed && !allowed.includes(v))) {
      errors.push({ field: `spec.${key}`, message: allowed ? `must be one of ${allowed.join(', ')}` : 'must be a string' });
      return undefined;
    }
    return v;
  };
  spec.type = str('type', SERVICE_TYPES) as ServiceType | undefined;
  spec.ipFamilyPolicy = str('ipFamilyPolicy', IP_FAMILY_POLICIES) as IPFamilyPolicy | undefined;
  spec.clusterIP = str('clusterIP');
  const ips = specIn.clusterIPs;
  if (ips !== undefined && ips !== null) {
    if (!Array.isArray(ips) || !ips.every((x) => typeof x === 'string'))
      errors.push({ field: 'spec.clusterIPs', message: 'must be a list of strings' });
    else spec.clusterIPs = ips;
  }
  const families = specIn.ipFamilies;
  if (families !== undefined && families !== null) {
    if (!Array.isArray(families) || families.length > 2 || !families.every(isIPFamily)) {
      errors.push({ field: 'spec.ipFamilies', message: 'must list at most two of IPv4, IPv6' });
    } else spec.ipFamilies = families;
  }
  if ('selector' in specIn) {
    const selector = specIn.selector;
    const problems = selector === null ? [] : labelProblems(selector);
    if (problems.length) errors.push({ field: 'spec.selector', message: problems.join('; ') });
    else spec.selector = selector as Labels | null;
  }
  if (errors.length) throw new ValidationError(errors);
  return { namespace: namespace as string, name: name as string, labels, spec, source: { top: body, metadata, spec: specIn } };
}

/** The manifest as sent, with metadata and the ClusterIP fields as Kipam holds them. */
export function renderServiceManifest(m: ServiceManifest, model: ServiceModel): Json {
  const metadata: Json = { ...m.source.metadata, name: model.name, namespace: model.namespace };
  if (Object.keys(model.labels).length) metadata.labels = model.labels;
  else delete metadata.labels;
  const spec: Json = { ...m.source.spec, type: model.type };
  if (model.selector) spec.selector = model.selector;
  else delete spec.selector;
  if (model.type === 'ExternalName') {
    for (const key of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy']) delete spec[key];
  } else {
    Object.assign(spec, {
      clusterIP: model.clusterIP,
      clusterIPs: model.clusterIPs,
      ipFamilies: model.ipFamilies,
      ipFamilyPolicy: model.ipFamilyPolicy,
    });
  }
  return { ...m.source.top, apiVersion: 'v1', kind: 'Service', metadata, spec };
}

/** YAML as kubectl prints it: keys sorted, sequences not indented under their key. */
export function manifestYaml(manifest: Json): string {
  return stringify(manifest, { sortMapEntries: true, indentSeq: false });
}

export const YAML_CONTENT_TYPES = ['application/yaml', 'application/x-yaml'];
export const MANIFEST_BODY_LIMIT = 1024 * 1024;

export function isYaml(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0].trim().toLowerCase();
  return type !== undefined && YAML_CONTENT_TYPES.includes(type);
}

function httpError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { statusCode });
}

/**
 * Parses YAML request bodies for the routes that accept them (`accepts(url)`);
 * anywhere else YAML stays 415, as the app is JSON-only otherwise. Skipped when
 * another module already registered a YAML parser.
 */
export function registerYamlBodyParser(fastify: FastifyInstance, accepts: (routeUrl: string | undefined) => boolean): void {
  acceptYamlBodies(fastify, accepts);
}

/** The routes of each server that take YAML bodies. */
const YAML_ROUTES = new WeakMap<FastifyInstance, ((routeUrl: string | undefined) => boolean)[]>();

/** Lets more routes take YAML bodies (the parser is registered once per server). */
export function acceptYamlBodies(fastify: FastifyInstance, accepts: (routeUrl: string | undefined) => boolean): void {
  const known = YAML_ROUTES.get(fastify);
  if (known) {
    known.push(accepts);
    return;
  }
  const predicates = [accepts];
  YAML_ROUTES.set(fastify, predicates);
  if (YAML_CONTENT_TYPES.some((t) => fastify.hasContentTypeParser(t))) return;
  const acceptsAny = (url: string | undefined) => predicates.some((p) => p(url));
  fastify.addContentTypeParser(
    YAML_CONTENT_TYPES,
    { parseAs: 'string', bodyLimit: MANIFEST_BODY_LIMIT },
    (request: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
      if (!acceptsAny(request.routeOptions.url)) {
        done(httpError(415, `Unsupported Media Type: ${request.headers['content-type'] ?? ''} (this route takes JSON)`));
        return;
      }
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (yamlNestsDeeperThan(text)) return done(new BodyTooDeepError());
      let value: unknown;
      try {
        value = parseYaml(text, { maxAliasCount: 100, uniqueKeys: true });
      } catch (error) {
        // handed to the route, which answers 400 problem+json (see parseServiceManifest)
        return done(null, new InvalidYaml(error instanceof Error ? error.message : String(error)));
      }
      // aliases can build a value deeper than the text, or one that contains itself
      if (valueNestsDeeperThan(value)) return done(new BodyTooDeepError());
      done(null, value);
    },
  );
}
