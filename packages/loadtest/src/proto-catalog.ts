import path from 'node:path';
import protobuf from 'protobufjs';
import { protoSchema } from '@foodmesh/platform';

/** The repository's proto/ folder (this file is in src/ under ts-jest and dist/ when built). */
export const PROTO_DIR = path.resolve(__dirname, '../../../proto');

export interface RpcInfo {
  /** foodmesh.edge.v1.CustomerService.PlaceOrder */
  fullName: string;
  /** The proto file that declares the service, relative to proto/ (ghz --proto). */
  protoFile: string;
  requestType: protobuf.Type;
  serverStreaming: boolean;
}

/** Every RPC and message of our protos (names as in the .proto files), as the services' request guard reads them. */
export function loadCatalog() {
  const root = protoSchema();
  const services = new Map<string, protobuf.Service>();
  const collect = (ns: protobuf.NamespaceBase) => {
    for (const o of ns.nestedArray) {
      if (o instanceof protobuf.Service) services.set(o.fullName.slice(1), o);
      else if (o instanceof protobuf.Namespace) collect(o);
    }
  };
  collect(root);

  return {
    /** `pkg.Service.Method` or `pkg.Service/Method`; a problem names what exists instead. */
    rpc(name: string): RpcInfo {
      const m = /^(.+)[./]([A-Za-z0-9_]+)$/.exec(name);
      const service = m ? services.get(m[1]!) : undefined;
      if (!service) {
        throw new Error(`there is no service ${m?.[1] ?? name} in proto/ (write package.Service.Method, e.g. foodmesh.edge.v1.CustomerService.PlaceOrder)`);
      }
      const method = service.methods[m![2]!];
      if (!method) throw new Error(`${m![1]} has no RPC ${m![2]}; it has ${Object.keys(service.methods).join(', ')}`);
      return {
        fullName: `${m![1]}.${method.name}`,
        protoFile: path.relative(PROTO_DIR, service.filename!),
        requestType: method.resolvedRequestType!,
        serverStreaming: Boolean(method.responseStream),
      };
    },
  };
}
export type Catalog = ReturnType<typeof loadCatalog>;

const camel = (snake: string) => snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const isTemplate = (v: unknown) => typeof v === 'string' && v.includes('{{');

/**
 * Field names (proto or JSON spelling) and enum values of a request template, checked against its
 * message type as ghz will read it; values holding ghz template actions are taken on trust.
 * Returns one line per problem, each with the field's path.
 */
export function requestProblems(type: protobuf.Type, value: unknown, at: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`${at}: must be an object (${/^[AEIOU]/.test(type.name) ? 'an' : 'a'} ${type.name})`];
  const byName = new Map(type.fieldsArray.flatMap((f) => [[f.name, f] as const, [camel(f.name), f] as const]));
  const problems: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const field = byName.get(key);
    const where = `${at}.${key}`;
    if (!field) {
      problems.push(`${where}: ${type.name} has no field "${key}"; it has ${type.fieldsArray.map((f) => camel(f.name)).join(', ')}`);
      continue;
    }
    const items = field.repeated ? (Array.isArray(v) ? v : null) : [v];
    if (!items) {
      problems.push(`${where}: must be a list`);
      continue;
    }
    items.forEach((item, i) => {
      const itemAt = field.repeated ? `${where}[${i}]` : where;
      if (isTemplate(item)) return;
      if (field.resolvedType instanceof protobuf.Type && !field.map && !field.resolvedType.fullName.startsWith('.google.protobuf.')) {
        problems.push(...requestProblems(field.resolvedType, item, itemAt));
      } else if (field.resolvedType instanceof protobuf.Enum && typeof item === 'string' && !(item in field.resolvedType.values)) {
        problems.push(`${itemAt}: "${item}" is not a ${field.resolvedType.name}; use one of ${Object.keys(field.resolvedType.values).join(', ')}`);
      }
    });
  }
  return problems;
}
