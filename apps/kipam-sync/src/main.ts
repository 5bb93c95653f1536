#!/usr/bin/env node
/**
 * kipam-sync: reads a cluster's Nodes, Services, ServiceCIDRs and the
 * kube-system/kubeadm-config ConfigMap through a kubeconfig context (the
 * official client, @kubernetes/client-node, with the kubeconfig's own auth),
 * posts them to Kipam's observations endpoint and prints the drift report.
 * Cluster credentials never leave this process: Kipam gets only the objects.
 */
import { parseArgs } from 'node:util';
import { stringify as toYaml } from 'yaml';
import { KubeConfig, CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { renderTable, type Report } from './report';

const USAGE = `usage: kipam-sync --cluster <kipam cluster id> [options]

  --cluster <id>          the Kipam cluster the kubeconfig context is (required)
  --kubeconfig <path>     kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)
  --context <name>        kubeconfig context (default: its current-context)
  --endpoint <url>        Kipam's URL (default: $KIPAM_ENDPOINT)
  --token <token>         Kipam bearer token (default: $KIPAM_TOKEN)
  --apply adopt|release   adopt unmanaged and mismatched objects, or release leaked records (default: report only)
  -o, --output table|json|yaml   (default: table)
  --watch <seconds>       repeat every <seconds> until interrupted
  -h, --help
`;

interface Options {
  cluster: string;
  kubeconfig?: string;
  context?: string;
  endpoint: string;
  token: string;
  apply?: 'adopt' | 'release';
  output: 'table' | 'json' | 'yaml';
  watch?: number;
}

class UsageError extends Error {}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      cluster: { type: 'string' },
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      endpoint: { type: 'string' },
      token: { type: 'string' },
      apply: { type: 'string' },
      output: { type: 'string', short: 'o' },
      watch: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const endpoint = values.endpoint ?? env.KIPAM_ENDPOINT;
  const token = values.token ?? env.KIPAM_TOKEN;
  if (!values.cluster) throw new UsageError('--cluster is required');
  if (!endpoint) throw new UsageError('give --endpoint or KIPAM_ENDPOINT');
  if (!token) throw new UsageError('give --token or KIPAM_TOKEN');
  if (values.apply !== undefined && values.apply !== 'adopt' && values.apply !== 'release')
    throw new UsageError('--apply is adopt or release');
  const output = values.output ?? 'table';
  if (output !== 'table' && output !== 'json' && output !== 'yaml') throw new UsageError('-o is table, json or yaml');
  let watch: number | undefined;
  if (values.watch !== undefined) {
    watch = Number(values.watch);
    if (!Number.isFinite(watch) || watch <= 0) throw new UsageError('--watch takes a number of seconds');
  }
  return {
    cluster: values.cluster,
    kubeconfig: values.kubeconfig,
    context: values.context,
    endpoint: endpoint.replace(/\/+$/, ''),
    token,
    apply: values.apply,
    output,
    watch,
  };
}

const statusOf = (error: unknown): number | undefined => (error as { code?: unknown }).code as number | undefined;

/** The lists Kipam compares, as the API serves them (wire format: what kubectl prints). */
async function observe(kc: KubeConfig): Promise<unknown[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  // the client's models keep the API's field names (podCIDRs, clusterIPs, ipFamilies...): JSON is the wire format again
  const wire = (value: unknown) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  const nodes = wire(await core.listNode());
  const services = wire(await core.listServiceForAllNamespaces());
  const lists: unknown[] = [
    { ...nodes, apiVersion: 'v1', kind: 'NodeList' },
    { ...services, apiVersion: 'v1', kind: 'ServiceList' },
  ];
  try {
    const cidrs = wire(await networking.listServiceCIDR());
    lists.push({ ...cidrs, apiVersion: 'networking.k8s.io/v1', kind: 'ServiceCIDRList' });
  } catch (error) {
    // clusters before Kubernetes 1.33 (networking.k8s.io/v1 ServiceCIDR) answer 404
    if (statusOf(error) !== 404) throw error;
  }
  try {
    const config = wire(await core.readNamespacedConfigMap({ name: 'kubeadm-config', namespace: 'kube-system' }));
    lists.push({ ...config, apiVersion: 'v1', kind: 'ConfigMap' });
  } catch (error) {
    // not a kubeadm cluster (or no right to read it): the other objects are compared all the same
    if (statusOf(error) !== 404 && statusOf(error) !== 403) throw error;
  }
  return lists;
}

async function post(o: Options, lists: unknown[]): Promise<Report> {
  const url = `${o.endpoint}/v1/clusters/${encodeURIComponent(o.cluster)}/observations${o.apply ? `?apply=${o.apply}` : ''}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json', 'user-agent': 'kipam-sync' },
    body: JSON.stringify(lists),
  });
  const text = await res.text();
  if (!res.ok) {
    let detail = text;
    try {
      const problem = JSON.parse(text) as { title?: string; detail?: string };
      detail = `${problem.title ?? res.statusText}: ${problem.detail ?? ''}`;
    } catch {
      // not problem+json: show the body as it is
    }
    throw new Error(`Kipam answered ${res.status}: ${detail}`);
  }
  return JSON.parse(text) as Report;
}

function print(o: Options, report: Report): void {
  if (o.output === 'json') process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (o.output === 'yaml') process.stdout.write(`---\n${toYaml(report)}`);
  else process.stdout.write(renderTable(report));
}

export async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let o: Options | 'help';
  try {
    o = parseOptions(argv, env);
  } catch (error) {
    process.stderr.write(`kipam-sync: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (o === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const kc = new KubeConfig();
  try {
    if (o.kubeconfig) kc.loadFromFile(o.kubeconfig);
    else kc.loadFromDefault();
  } catch (error) {
    throw new Error(`cannot read the kubeconfig ${o.kubeconfig ?? '(default)'}: ${(error as Error).message}`);
  }
  if (o.context) {
    if (!kc.getContextObject(o.context)) throw new Error(`the kubeconfig has no context ${o.context}`);
    kc.setCurrentContext(o.context);
  }
  if (!kc.getCurrentCluster()) throw new Error(`the kubeconfig's context ${kc.getCurrentContext() || '(none)'} names no cluster`);
  const options = o;
  const once = async () => print(options, await post(options, await observe(kc)));
  if (!o.watch) {
    await once();
    return 0;
  }
  for (;;) {
    try {
      await once();
    } catch (error) {
      // a watch keeps going through a failed round: the next one may succeed
      process.stderr.write(`kipam-sync: ${(error as Error).message}\n`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.watch! * 1000));
  }
}

if (require.main === module) {
  run(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`kipam-sync: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
