import { readdirSync } from 'node:fs';
import path from 'node:path';
import type { MethodDefinition } from '@grpc/grpc-js';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import protobuf from 'protobufjs';
import { DomainError, invalidArgument } from './errors';
import type { ServiceDef } from './grpc-types';

/**
 * Every request, on every RPC of every service (gRPC and the edge's gRPC-web/Connect routes),
 * is checked on its bytes before it is decoded and before a handler runs: well-formed protobuf,
 * each string valid UTF-8, without NUL and within the `(foodmesh.common.v1.max_length)` its
 * field declares (proto/foodmesh/common/v1/limits.proto). A request that breaks one is
 * INVALID_ARGUMENT naming the field, never quoting it. ts-proto alone decodes leniently (invalid
 * UTF-8 becomes U+FFFD, so different bad keys collapse into one) and grpc-js answers INTERNAL
 * whenever a deserializer throws; hence this check, and `RejectedRequest` (below).
 */

const PROTO_ROOT = path.resolve(__dirname, '../../../proto');
const MAX_LENGTH_OPTION = '(foodmesh.common.v1.max_length)';
const MAX_DEPTH = 32;

/** What a guarded deserializer hands grpc-js instead of throwing (which grpc-js would answer INTERNAL). */
export class RejectedRequest {
  constructor(readonly reason: string) {}
}

let root: protobuf.Root | undefined;

/** Every .proto under proto/ (protobufjs reflection), loaded once with its field options. */
export function protoSchema(): protobuf.Root {
  if (root) return root;
  // descriptor.proto (for the option's `extend`) is not among protobufjs's built-in files.
  protobuf.common(
    'descriptor',
    (require('protobufjs/google/protobuf/descriptor.json') as { nested: { google: { nested: { protobuf: { nested: protobuf.INamespace['nested'] } } } } })
      .nested.google.nested.protobuf.nested!,
  );
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.endsWith('.proto')) files.push(path.join(dir, e.name));
    }
  };
  walk(path.join(PROTO_ROOT, 'foodmesh'));
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => (path.isAbsolute(target) || target.startsWith('google/protobuf/') ? target : path.join(PROTO_ROOT, target));
  r.loadSync(files, { keepCase: true });
  r.resolveAll();
  return (root = r);
}

type Check = (bytes: Uint8Array, depth: number) => void;

const SCALAR_WIRE: Record<string, WireType> = {
  double: WireType.Bit64,
  fixed64: WireType.Bit64,
  sfixed64: WireType.Bit64,
  float: WireType.Bit32,
  fixed32: WireType.Bit32,
  sfixed32: WireType.Bit32,
};
const wireOf = (type: string) => SCALAR_WIRE[type] ?? WireType.Varint;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++; // a high surrogate starts a pair, counted by its low half
  }
  return n;
}

function stringCheck(name: string, maxLength: number): (bytes: Uint8Array) => void {
  return (bytes) => {
    // At most 4 bytes a character: a longer value is too long without decoding it.
    if (bytes.length > maxLength * 4) throw invalidArgument(`${name} is longer than ${maxLength} characters`, 'FIELD_TOO_LONG');
    let text: string;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      throw invalidArgument(`${name} is not valid UTF-8`, 'INVALID_UTF8');
    }
    if (text.includes('\0')) throw invalidArgument(`${name} contains a NUL character`, 'NUL_CHARACTER');
    if (codePoints(text) > maxLength) throw invalidArgument(`${name} is longer than ${maxLength} characters`, 'FIELD_TOO_LONG');
  };
}

/**
 * The check of one message type, built once: per field number, what its bytes must be. A string
 * field without a declared max_length is an error here, at start-up, not a hole at run time.
 */
function messageCheck(type: protobuf.Type, prefix: string, built: Map<string, Check>): Check {
  const key = `${type.fullName}|${prefix}`;
  const existing = built.get(key);
  if (existing) return existing;
  const fields = new Map<number, { name: string; expect: WireType; packable: boolean; check?: (b: Uint8Array, depth: number) => void }>();
  const check: Check = (bytes, depth) => {
    if (depth > MAX_DEPTH) throw invalidArgument(`the request nests messages deeper than ${MAX_DEPTH}`, 'MALFORMED_REQUEST');
    const reader = new BinaryReader(bytes);
    while (reader.pos < reader.len) {
      const [no, wire] = reader.tag();
      const f = fields.get(no);
      if (!f) {
        reader.skip(wire, no); // an unknown field: a newer client's, ignored as protobuf says
        continue;
      }
      if (wire === f.expect) {
        if (wire === WireType.LengthDelimited) f.check?.(reader.bytes(), depth + 1);
        else reader.skip(wire, no);
      } else if (f.packable && wire === WireType.LengthDelimited) {
        reader.bytes(); // a packed repeated scalar
      } else {
        throw invalidArgument(`${f.name} has the wrong wire type for its field`, 'MALFORMED_REQUEST');
      }
    }
  };
  built.set(key, check);
  for (const f of type.fieldsArray) {
    const name = `${prefix}${f.name}${f.repeated ? '[]' : ''}`;
    if (f.map) throw new Error(`${type.fullName}.${f.name}: map fields in requests are not supported by the request guard`);
    const resolved = f.resolve().resolvedType;
    if (resolved instanceof protobuf.Type) {
      fields.set(f.id, { name, expect: WireType.LengthDelimited, packable: false, check: messageCheck(resolved, `${name}.`, built) });
    } else if (f.type === 'string') {
      const max = (f.options as Record<string, unknown> | undefined)?.[MAX_LENGTH_OPTION];
      if (typeof max !== 'number' || max <= 0) {
        throw new Error(
          `${type.fullName}.${f.name}: a string a request carries must declare [(foodmesh.common.v1.max_length) = N] (proto/foodmesh/common/v1/limits.proto)`,
        );
      }
      fields.set(f.id, { name, expect: WireType.LengthDelimited, packable: false, check: stringCheck(name, max) });
    } else if (f.type === 'bytes') {
      fields.set(f.id, { name, expect: WireType.LengthDelimited, packable: false, check: () => undefined });
    } else {
      // Scalars and enums (an enum resolves to protobuf.Enum): varints unless fixed-width.
      const expect = resolved instanceof protobuf.Enum ? WireType.Varint : wireOf(f.type);
      fields.set(f.id, { name, expect, packable: f.repeated });
    }
  }
  return check;
}

const checks = new Map<string, Check>();

/** The check of a request message type, by its full name (e.g. `foodmesh.order.v1.PlaceOrderRequest`). */
export function requestCheck(typeName: string): (bytes: Uint8Array) => void {
  let check = checks.get(typeName);
  if (!check) {
    check = messageCheck(protoSchema().lookupType(typeName), '', new Map());
    checks.set(typeName, check);
  }
  const c = check;
  return (bytes) => {
    try {
      c(bytes, 0);
    } catch (err) {
      if (err instanceof DomainError) throw err;
      // The reader's own errors: premature EOF, a bad varint, an impossible wire type.
      throw invalidArgument(`the request is not a valid ${typeName.slice(typeName.lastIndexOf('.') + 1)} message`, 'MALFORMED_REQUEST');
    }
  };
}

/** `/pkg.Service/Method` → the full name of its request message. */
function requestTypeOf(methodPath: string): string {
  const [, service, method] = methodPath.split('/');
  const m = protoSchema().lookupService(service!).methods[method!];
  if (!m) throw new Error(`${methodPath}: no such method in proto/`);
  m.resolve();
  return m.resolvedRequestType!.fullName.replace(/^\./, '');
}

/** Decodes a request after checking its bytes; throws INVALID_ARGUMENT (a DomainError) when they fail. */
export function requestDecoder<Req>(def: Pick<MethodDefinition<Req, unknown>, 'path' | 'requestDeserialize'>): (bytes: Buffer) => Req {
  const check = requestCheck(requestTypeOf(def.path));
  return (bytes) => {
    check(bytes);
    return def.requestDeserialize(bytes);
  };
}

/**
 * The service definition with each method's request deserializer checked: a request that fails
 * becomes a `RejectedRequest` the server answers INVALID_ARGUMENT without calling the handler.
 */
export function guardRequests<D extends ServiceDef>(def: D): D {
  const guarded: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [key, method] of Object.entries(def)) {
    const decode = requestDecoder(method);
    guarded[key] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return decode(bytes);
        } catch (err) {
          return new RejectedRequest((err as Error).message);
        }
      },
    };
  }
  return guarded as D;
}
