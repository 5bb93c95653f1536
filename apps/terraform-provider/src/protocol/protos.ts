import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { fromJSON } from '@grpc/proto-loader';
import { parse } from 'protobufjs';

/** The proto files, inlined by the bundler into the executable (read from proto/ when run from source). */
declare const KIPAM_PROTOS: Record<string, string> | undefined;

export const PROTO_FILES = ['tfplugin6.proto', 'go-plugin.proto', 'health.proto'] as const;

function protoText(name: string): string {
  if (typeof KIPAM_PROTOS !== 'undefined') return KIPAM_PROTOS[name];
  return readFileSync(join(__dirname, '../../proto', name), 'utf8');
}

type ServiceClient = grpc.ServiceClientConstructor;
export interface Services {
  Provider: ServiceClient;
  GRPCController: ServiceClient;
  GRPCStdio: ServiceClient;
  GRPCBroker: ServiceClient;
  Health: ServiceClient;
}

let loaded: Services | undefined;

/** The gRPC services of the plugin protocol (fields by their proto names, enums as names, int64 as numbers). */
export function loadServices(): Services {
  if (loaded) return loaded;
  const options = { keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true };
  const pkg = (name: (typeof PROTO_FILES)[number]) =>
    grpc.loadPackageDefinition(fromJSON(parse(protoText(name), { keepCase: true }).root.toJSON(), options));
  const tf = pkg('tfplugin6.proto') as unknown as { tfplugin6: { Provider: ServiceClient } };
  const plugin = pkg('go-plugin.proto') as unknown as {
    plugin: { GRPCController: ServiceClient; GRPCStdio: ServiceClient; GRPCBroker: ServiceClient };
  };
  const health = pkg('health.proto') as unknown as { grpc: { health: { v1: { Health: ServiceClient } } } };
  loaded = {
    Provider: tf.tfplugin6.Provider,
    GRPCController: plugin.plugin.GRPCController,
    GRPCStdio: plugin.plugin.GRPCStdio,
    GRPCBroker: plugin.plugin.GRPCBroker,
    Health: health.grpc.health.v1.Health,
  };
  return loaded;
}
