import path from 'node:path';
import { Code, ConnectError } from '@connectrpc/connect';
import type { DescMessage } from '@bufbuild/protobuf';
import { requestCheck } from '@foodmesh/platform';

/**
 * connect-es answers a request body it cannot parse as protobuf ("parse binary: …": not protobuf
 * at all, or a string that is not UTF-8) with INTERNAL, as though the server had failed. The
 * client sent bad bytes: INVALID_ARGUMENT, with the reason the platform's request guard gives on
 * the gRPC port (it names the field). Request parsing has no hook, so this wraps the one function
 * that builds each method's request parser, for the versions it was checked against (a test sends
 * such bodies).
 */
const CHECKED_VERSIONS = ['2.1.2', '2.2.0'];

interface Serialization {
  parse(data: Uint8Array): unknown;
  serialize(data: unknown): Uint8Array;
}
interface SerializationLookup {
  getI(binary: boolean): Serialization;
  getO(binary: boolean): Serialization;
}
type CreateLookup = (method: { input: DescMessage }, ...rest: unknown[]) => SerializationLookup;

const PATCHED = Symbol.for('foodmesh.connect-parse-errors');

export function answerUnparsableRequestsWithInvalidArgument(): void {
  const dist = path.dirname(require.resolve('@connectrpc/connect')); // …/dist/cjs
  const { version } = require(path.join(dist, '../../package.json')) as { version: string };
  if (!CHECKED_VERSIONS.includes(version)) {
    throw new Error(
      `@connectrpc/connect ${version}: connect-parse-errors.ts was checked against ${CHECKED_VERSIONS.join(', ')}; check whether it is still needed`,
    );
  }
  const serialization = require(path.join(dist, 'protocol/serialization.js')) as { createMethodSerializationLookup: CreateLookup; [PATCHED]?: true };
  if (serialization[PATCHED]) return;
  const original = serialization.createMethodSerializationLookup;
  serialization.createMethodSerializationLookup = (method, ...rest) => {
    const lookup = original(method, ...rest);
    const check = requestCheck(method.input.typeName);
    const guarded = (s: Serialization): Serialization => ({
      serialize: (data) => s.serialize(data),
      parse(data) {
        try {
          return s.parse(data);
        } catch (err) {
          if (!(err instanceof ConnectError && err.code === Code.Internal)) throw err;
          try {
            check(data);
          } catch (refused) {
            throw new ConnectError((refused as Error).message, Code.InvalidArgument);
          }
          throw new ConnectError(`the request is not a valid ${method.input.name} message`, Code.InvalidArgument);
        }
      },
    });
    return { getI: (binary) => (binary ? guarded(lookup.getI(binary)) : lookup.getI(binary)), getO: (binary) => lookup.getO(binary) };
  };
  serialization[PATCHED] = true;
}
