import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { generateServerCertificate } from '../src/plugin/certificate';
import { MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE } from '../src/plugin/server';
import { loadServices } from '../src/protocol/protos';

export interface PluginConnection {
  process: ChildProcess;
  handshake: string[];
  serverCert: X509Certificate;
  /** Calls a tfplugin6.Provider method. */
  call<T = any>(method: string, request?: object): Promise<T>;
  controller: grpc.Client & Record<string, any>;
  stderr(): string;
  close(): Promise<void>;
}

/**
 * Starts the provider executable as Terraform does (go-plugin's handshake with
 * automatic mTLS: our certificate in PLUGIN_CLIENT_CERT, the plugin's in the
 * handshake line) and connects to it over gRPC.
 */
export async function startPlugin(executable: string, env: Record<string, string> = {}): Promise<PluginConnection> {
  const client = await generateServerCertificate();
  const child = spawn(executable, [], {
    env: {
      PATH: process.env.PATH ?? '',
      [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE,
      PLUGIN_PROTOCOL_VERSIONS: '6',
      PLUGIN_CLIENT_CERT: client.certPem,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no handshake within 20 s; stderr: ${stderr}`)), 20_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, newline));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`plugin exited with ${code} before its handshake; stderr: ${stderr}`));
    });
  });
  const handshake = line.split('|');
  const der = Buffer.from(handshake[5], 'base64');
  const serverCert = new X509Certificate(der);
  const credentials = grpc.credentials.createSsl(
    Buffer.from(serverCert.toString()),
    Buffer.from(client.keyPem),
    Buffer.from(client.certPem),
  );
  const options = { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' };
  const services = loadServices();
  const provider = new services.Provider(handshake[3], credentials, options) as grpc.Client & Record<string, any>;
  const controller = new services.GRPCController(handshake[3], credentials, options) as grpc.Client & Record<string, any>;
  const call = <T>(method: string, request: object = {}) =>
    new Promise<T>((resolve, reject) =>
      (provider[method] as (r: object, cb: (e: Error | null, res: T) => void) => void)(request, (e, res) => (e ? reject(e) : resolve(res))),
    );
  return {
    process: child,
    handshake,
    serverCert,
    call,
    controller,
    stderr: () => stderr,
    async close() {
      provider.close();
      controller.close();
      if (child.exitCode === null) {
        child.kill();
        await new Promise((r) => child.once('exit', r));
      }
    },
  };
}
