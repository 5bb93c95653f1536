import * as grpc from '@grpc/grpc-js';
import { loadServices } from '../protocol/protos';
import { KipamProvider, type Request } from '../provider';
import { generateServerCertificate } from './certificate';

/** go-plugin's handshake values for Terraform providers. */
export const MAGIC_COOKIE_KEY = 'TF_PLUGIN_MAGIC_COOKIE';
export const MAGIC_COOKIE_VALUE = 'd602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2';
const CORE_PROTOCOL_VERSION = 1;
const APP_PROTOCOL_VERSION = 6;

type Handler = (request: Request) => unknown;

/** Wraps a provider method as a unary gRPC handler; an unexpected throw is a gRPC INTERNAL error. */
function unary(fn: Handler): grpc.handleUnaryCall<Request, unknown> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (response) => callback(null, response),
        (error: unknown) => {
          log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          callback({ code: grpc.status.INTERNAL, details: error instanceof Error ? error.message : String(error) });
        },
      );
  };
}

export function log(message: string): void {
  process.stderr.write(`[kipam] ${message}\n`);
}

export interface RunningPlugin {
  server: grpc.Server;
  port: number;
  /** The handshake line go-plugin reads from stdout. */
  handshake: string;
  stopped: Promise<void>;
}

/**
 * Serves the provider over gRPC on 127.0.0.1 (TLS pinned to the host's
 * certificate when PLUGIN_CLIENT_CERT is set, as Terraform always does).
 */
export async function startPlugin(env: NodeJS.ProcessEnv = process.env): Promise<RunningPlugin> {
  const services = loadServices();
  const provider = new KipamProvider(env);
  const server = new grpc.Server({
    'grpc.max_receive_message_length': 256 * 1024 * 1024,
    'grpc.max_send_message_length': 256 * 1024 * 1024,
  });
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));

  server.addService(services.Provider.service, {
    GetMetadata: unary(() => provider.getMetadata()),
    GetProviderSchema: unary(() => provider.getProviderSchema()),
    GetResourceIdentitySchemas: unary(() => provider.getResourceIdentitySchemas()),
    ValidateProviderConfig: unary((r) => provider.validateProviderConfig(r)),
    ValidateResourceConfig: unary((r) => provider.validateResourceConfig(r)),
    ValidateDataResourceConfig: unary((r) => provider.validateDataResourceConfig(r)),
    UpgradeResourceState: unary((r) => provider.upgradeResourceState(r)),
    ConfigureProvider: unary((r) => provider.configureProvider(r)),
    ReadResource: unary((r) => provider.readResource(r)),
    PlanResourceChange: unary((r) => provider.planResourceChange(r)),
    ApplyResourceChange: unary((r) => provider.applyResourceChange(r)),
    ImportResourceState: unary((r) => provider.importResourceState(r)),
    ReadDataSource: unary((r) => provider.readDataSource(r)),
    StopProvider: unary(() => provider.stopProvider()),
  });
  server.addService(services.GRPCController.service, {
    Shutdown: unary(() => {
      setImmediate(() => server.tryShutdown(() => stop()));
      return {};
    }),
  });
  // Nothing is written to stdout or stderr through these streams: they stay open until the host closes them.
  server.addService(services.GRPCStdio.service, {
    StreamStdio: (call: grpc.ServerWritableStream<unknown, unknown>) => {
      call.on('cancelled', () => call.end());
    },
  });
  server.addService(services.GRPCBroker.service, {
    StartStream: (call: grpc.ServerDuplexStream<unknown, unknown>) => {
      call.on('data', () => undefined);
      call.on('end', () => call.end());
      call.on('cancelled', () => call.end());
    },
  });
  server.addService(services.Health.service, {
    Check: unary(() => ({ status: 'SERVING' })),
  });

  const clientCert = env.PLUGIN_CLIENT_CERT;
  let credentials = grpc.ServerCredentials.createInsecure();
  let serverCert = '';
  if (clientCert) {
    const cert = await generateServerCertificate();
    credentials = grpc.ServerCredentials.createSsl(
      Buffer.from(clientCert),
      [{ cert_chain: Buffer.from(cert.certPem), private_key: Buffer.from(cert.keyPem) }],
      true,
    );
    serverCert = cert.der.toString('base64').replace(/=+$/, '');
  }

  const port = await bind(server, credentials, env);
  const handshake = `${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|tcp|127.0.0.1:${port}|grpc|${serverCert}`;
  return { server, port, handshake, stopped };
}

/** A port in PLUGIN_MIN_PORT..PLUGIN_MAX_PORT when the host sets them, else any free one. */
async function bind(server: grpc.Server, credentials: grpc.ServerCredentials, env: NodeJS.ProcessEnv): Promise<number> {
  const min = Number(env.PLUGIN_MIN_PORT || 0);
  const max = Number(env.PLUGIN_MAX_PORT || 0);
  const candidates = min > 0 && max >= min ? Array.from({ length: max - min + 1 }, (_, i) => min + i) : [0];
  for (const candidate of candidates) {
    try {
      return await new Promise<number>((resolve, reject) =>
        server.bindAsync(`127.0.0.1:${candidate}`, credentials, (error, port) => (error ? reject(error) : resolve(port))),
      );
    } catch (error) {
      if (candidate === candidates[candidates.length - 1]) throw error;
    }
  }
  throw new Error('no port to listen on');
}

/** The executable's entry: check the handshake cookie, serve, print the handshake line. */
export async function main(): Promise<void> {
  if (process.env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    process.stderr.write(
      'This binary is a Terraform provider plugin (kipam/kipam). It is not meant to be run directly:\n' +
        'Terraform starts it. See the provider_installation block in the Kipam README.\n',
    );
    process.exit(1);
  }
  const versions = (process.env.PLUGIN_PROTOCOL_VERSIONS ?? String(APP_PROTOCOL_VERSION)).split(',').map((v) => v.trim());
  if (!versions.includes(String(APP_PROTOCOL_VERSION))) {
    log(
      `the host offers plugin protocol versions ${versions.join(', ')}; this provider speaks ${APP_PROTOCOL_VERSION} (Terraform 1.0 or later)`,
    );
  }
  // Terraform handles Ctrl-C itself and then asks the plugin to stop (go-plugin plugins ignore SIGINT too).
  process.on('SIGINT', () => undefined);
  const plugin = await startPlugin();
  process.stdout.write(`${plugin.handshake}\n`);
  await plugin.stopped;
  process.exit(0);
}
