import { readdirSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import pg from 'pg';
import protobuf from 'protobufjs';
import type { RunningStack } from '@foodmesh/local-infra';
import { startTestStack } from '@foodmesh/testkit';
import { MAX_DETAILS_LENGTH, protoSchema, type ServiceDef } from '@foodmesh/platform';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { SignInRequest, SignInResponse } from '@foodmesh/proto-gen/foodmesh/edge/v1/auth';
import { PlaceOrderRequest as EdgePlaceOrderRequest } from '@foodmesh/proto-gen/foodmesh/edge/v1/customer';
import { PlaceOrderRequest } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { PayRequest } from '@foodmesh/proto-gen/foodmesh/payment/v1/payment';
import { HOME, STORE } from './edge-fixture';

/**
 * Every kind of bad request value, sent to every RPC of every service (the RPCs are read from the
 * generated service definitions, so a new RPC is in the table the moment it exists), over gRPC,
 * and to the edge's public API over gRPC-web and Connect too. Each must come back with a clear
 * code (never INTERNAL or UNKNOWN, never a timeout), a short message that does not quote the bad
 * value, nothing written anywhere, and the connection still usable.
 */

const GEN = path.resolve(__dirname, '../../../packages/proto-gen/src/gen/foodmesh');
const MiB = 1 << 20;
const DEADLINE_MS = 10_000;

type Method = ServiceDef[string];
interface Rpc {
  path: string;
  /** The stack's service that serves it: foodmesh.<name>.v1 → <name>. */
  service: string;
  serverStream: boolean;
  requestType: protobuf.Type;
}

/** Every RPC, from the ts-proto service definitions under packages/proto-gen. */
/** The platform's own APIs, served by several services: DeadLetterAdminService by each one that consumes into an inbox. */
const SERVED_BY: Record<string, string[]> = { deadletters: ['delivery', 'notification', 'order', 'orderview', 'payment', 'store'] };

function allRpcs(): Rpc[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.endsWith('.ts')) files.push(path.join(dir, e.name));
    }
  };
  walk(GEN);
  const rpcs: Rpc[] = [];
  for (const file of files) {
    for (const exported of Object.values(require(file) as Record<string, unknown>)) {
      if (typeof exported !== 'object' || exported === null) continue;
      const methods = Object.values(exported as Record<string, Partial<Method>>);
      if (methods.length === 0 || !methods.every((m) => typeof m?.path === 'string' && typeof m.requestDeserialize === 'function')) continue;
      for (const m of methods as Method[]) {
        const [, serviceName, methodName] = m.path.split('/');
        const method = protoSchema().lookupService(serviceName!).methods[methodName!]!;
        method.resolve();
        const pkg = serviceName!.split('.')[1]!;
        for (const service of SERVED_BY[pkg] ?? [pkg])
          rpcs.push({ path: m.path, service, serverStream: m.responseStream, requestType: method.resolvedRequestType! });
      }
    }
  }
  return rpcs.sort((a, b) => a.path.localeCompare(b.path) || a.service.localeCompare(b.service));
}

interface StringField {
  name: string;
  /** Field numbers from the request down to the string. */
  numbers: number[];
  maxLength: number;
}

function stringFields(type: protobuf.Type, prefix = '', numbers: number[] = [], depth = 0): StringField[] {
  const out: StringField[] = [];
  for (const f of type.fieldsArray) {
    f.resolve();
    const name = `${prefix}${f.name}${f.repeated ? '[]' : ''}`;
    if (f.resolvedType instanceof protobuf.Type && depth < 3) out.push(...stringFields(f.resolvedType, `${name}.`, [...numbers, f.id], depth + 1));
    else if (f.type === 'string')
      out.push({ name, numbers: [...numbers, f.id], maxLength: (f.options as Record<string, number>)['(foodmesh.common.v1.max_length)']! });
  }
  return out;
}

/** One length-delimited field at `numbers` (nested messages around it) holding `raw`. */
function encodeAt(numbers: number[], raw: Uint8Array): Buffer {
  let bytes = raw;
  for (const no of [...numbers].reverse()) bytes = new BinaryWriter().tag(no, 2).bytes(bytes).finish();
  return Buffer.from(bytes);
}

const utf8 = (s: string) => Buffer.from(s, 'utf8');

interface BadValue {
  kind: string;
  raw(f: StringField): Uint8Array;
  /** The code, and what the message says (a field's name is filled in). */
  code: grpc.status;
  says(f: StringField): RegExp;
}

const BAD_VALUES: BadValue[] = [
  {
    kind: 'one character too long',
    raw: (f) => utf8('x'.repeat(f.maxLength + 1)),
    code: grpc.status.INVALID_ARGUMENT,
    says: (f) => new RegExp(`^${esc(f.name)} is longer than ${f.maxLength} characters$`),
  },
  { kind: 'a 1 MiB string', raw: () => utf8('x'.repeat(MiB)), code: grpc.status.RESOURCE_EXHAUSTED, says: () => /larger than/i },
  {
    kind: 'a NUL character',
    raw: () => utf8('ab\0cd'),
    code: grpc.status.INVALID_ARGUMENT,
    says: (f) => new RegExp(`^${esc(f.name)} contains a NUL character$`),
  },
  {
    kind: 'invalid UTF-8',
    raw: () => Buffer.from([0x6b, 0x65, 0x79, 0xc3, 0x28, 0xff]),
    code: grpc.status.INVALID_ARGUMENT,
    says: (f) => new RegExp(`^${esc(f.name)} is not valid UTF-8$`),
  },
];
/** Bodies bad whatever the message: a JSON text, and a (high-numbered, unknown) field that promises more bytes than follow. */
const BAD_BODIES: Array<{ kind: string; body: Buffer }> = [
  { kind: 'a body that is not protobuf', body: utf8('{"order_id": "o-1", "idempotency_key": "k"}') },
  { kind: 'a truncated body', body: Buffer.concat([encodeAt([1000], Buffer.from('abcde')).subarray(0, 4)]) },
];
const esc = (s: string) => s.replace(/[[\].]/g, (c) => `\\${c}`);

interface Outcome {
  code: grpc.status;
  details: string;
}

/** Raw bytes in, the status out: unary or server-streaming, over one long-lived channel per service. */
function rawCall(client: grpc.Client, rpc: { path: string; serverStream: boolean }, body: Buffer, metadata: grpc.Metadata): Promise<Outcome> {
  const id = (b: Buffer) => b;
  const deadline = Date.now() + DEADLINE_MS;
  return new Promise((resolve) => {
    if (!rpc.serverStream) {
      client.makeUnaryRequest(rpc.path, id, id, body, metadata, { deadline }, (err) =>
        resolve(err ? { code: err.code, details: err.details } : { code: grpc.status.OK, details: '' }),
      );
      return;
    }
    const stream = client.makeServerStreamRequest(rpc.path, id, id, body, metadata, { deadline });
    stream.on('data', () => stream.cancel());
    stream.on('error', (err: grpc.ServiceError) => resolve({ code: err.code, details: err.details }));
    stream.on('end', () => resolve({ code: grpc.status.OK, details: '' }));
  });
}

/** A grpc.health.v1 Check on the same channel: proof the connection survived the bad call. */
const healthCheck = (client: grpc.Client) =>
  rawCall(client, { path: '/grpc.health.v1.Health/Check', serverStream: false }, Buffer.alloc(0), new grpc.Metadata());

/** The refusal every bad request must get: its code, a short message that quotes no bad value. */
function expectCleanRefusal(o: Outcome, code: grpc.status, says: RegExp, what: string): void {
  expect({ what, code: grpc.status[o.code] }).toEqual({ what, code: grpc.status[code] });
  expect(o.details.length).toBeLessThanOrEqual(MAX_DETAILS_LENGTH);
  expect(o.details).toMatch(says);
  expect(o.details).not.toMatch(/xxxxxxxxxx|ab\0cd/);
}

/** Rows of every table of every service database: what "nothing written" is checked against. */
async function rowCounts(stack: RunningStack, namespace: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const s of stack.services) {
    const db = `${namespace.replace(/[^a-z0-9]/g, '_')}foodmesh_${s.name}`;
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${db}`;
    const client = new pg.Client({ connectionString: url.toString() });
    try {
      await client.connect();
    } catch {
      continue; // a service without a database (the edge)
    }
    try {
      const { rows } = await client.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'");
      for (const { t } of rows) counts[`${s.name}.${t}`] = Number((await client.query(`SELECT count(*) AS n FROM "${t}"`)).rows[0].n);
    } finally {
      await client.end();
    }
  }
  return counts;
}

describe('bad requests on every RPC of every service', () => {
  let stack: RunningStack;
  let namespace: string;
  const clients = new Map<string, grpc.Client>();
  const rpcs = allRpcs();
  let before: Record<string, number>;
  let edgeToken: string;
  const client = (service: string) => clients.get(service)!;

  beforeAll(async () => {
    ({ stack, namespace } = await startTestStack('bad'));
    for (const s of stack.services) clients.set(s.name, new grpc.Client(s.address, grpc.credentials.createInsecure()));
    const signIn = await new Promise<Buffer>((resolve, reject) =>
      client('edge').makeUnaryRequest(
        '/foodmesh.edge.v1.AuthService/SignIn',
        (b: Buffer) => b,
        (b: Buffer) => b,
        Buffer.from(SignInRequest.encode({ userId: 'customer-1' }).finish()),
        new grpc.Metadata(),
        { deadline: Date.now() + DEADLINE_MS },
        (err, res) => (err ? reject(err) : resolve(res!)),
      ),
    );
    edgeToken = SignInResponse.decode(signIn).token;
    // Settled: menus published and consumed, every consumer in its group; then the baseline.
    let last = '';
    for (;;) {
      const now = JSON.stringify(await rowCounts(stack, namespace));
      if (now === last) break;
      last = now;
      await new Promise((r) => setTimeout(r, 3000));
    }
    before = JSON.parse(last) as Record<string, number>;
  }, 180_000);

  afterAll(async () => {
    for (const c of clients.values()) c.close();
    await stack?.stop();
  });

  /** Metadata a real caller would send: the user's bearer token, and to internal services the edge's workload identity too. */
  const metadataFor = (service: string) => {
    const md = new grpc.Metadata();
    md.set('authorization', `Bearer ${edgeToken}`);
    if (service !== 'edge') stack.identity.workload('edge')(md);
    return md;
  };

  it('finds every RPC of every service in the generated definitions', () => {
    expect(new Set(rpcs.map((r) => r.service))).toEqual(new Set(stack.services.map((s) => s.name)));
    expect(rpcs.filter((r) => r.path.endsWith('/ListDeadLetters')).map((r) => r.service)).toEqual(SERVED_BY.deadletters);
    expect(rpcs.length).toBeGreaterThan(40);
  });

  describe.each(rpcs.map((r) => [`${r.path}${r.path.includes('.deadletters.') ? ` on ${r.service}` : ''}`, r] as const))('%s', (_, rpc) => {
    const fields = stringFields(rpc.requestType);

    it('refuses each bad value in each string field, and each bad body, cleanly over gRPC', async () => {
      const c = client(rpc.service);
      for (const f of fields) {
        for (const bad of BAD_VALUES) {
          const o = await rawCall(c, rpc, encodeAt(f.numbers, bad.raw(f)), metadataFor(rpc.service));
          expectCleanRefusal(o, bad.code, bad.says(f), `${f.name}: ${bad.kind}`);
          expect((await healthCheck(c)).code).toBe(grpc.status.OK);
        }
      }
      for (const bad of BAD_BODIES) {
        const o = await rawCall(c, rpc, bad.body, metadataFor(rpc.service));
        expectCleanRefusal(o, grpc.status.INVALID_ARGUMENT, /^the request is not a valid \w+ message$/, bad.kind);
        expect((await healthCheck(c)).code).toBe(grpc.status.OK);
      }
    }, 60_000);

    if (rpc.service === 'edge') {
      it("refuses the same over gRPC-web and Connect (the browser's routes)", async () => {
        const web = edgeHttp(stack, edgeToken);
        for (const f of fields) {
          for (const bad of BAD_VALUES) {
            const body = encodeAt(f.numbers, bad.raw(f));
            for (const protocol of ['grpc-web', 'connect'] as const) {
              const o = await web.call(protocol, rpc, body);
              expectCleanRefusal(o, bad.code, bad.kind === 'a 1 MiB string' ? /exceeds|larger|max/i : bad.says(f), `${protocol} ${f.name}: ${bad.kind}`);
              expect((await web.call(protocol, { path: '/foodmesh.edge.v1.AuthService/ListDemoUsers', serverStream: false }, Buffer.alloc(0))).code).toBe(
                grpc.status.OK,
              );
            }
          }
        }
        for (const bad of BAD_BODIES) {
          for (const protocol of ['grpc-web', 'connect'] as const) {
            const o = await web.call(protocol, rpc, bad.body);
            expectCleanRefusal(o, grpc.status.INVALID_ARGUMENT, /^the request is not a valid \w+ message$/, `${protocol}: ${bad.kind}`);
          }
        }
      }, 60_000);
    }
  });

  /** The five cases the issue reported, on otherwise valid requests that would write if accepted. */
  const placeOrder = (over: Partial<PlaceOrderRequest> = {}) =>
    Buffer.from(
      PlaceOrderRequest.encode(
        PlaceOrderRequest.fromPartial({
          customerId: 'customer-1',
          storeId: STORE,
          items: [{ menuItemId: 'chk-fried', quantity: 1 }],
          deliveryAddress: HOME,
          idempotencyKey: 'k-valid',
          paymentMethod: PaymentMethod.PAYMENT_METHOD_CARD,
          ...over,
        }),
      ).finish(),
    );
  const pay = (over: Partial<PayRequest> = {}) =>
    Buffer.from(
      PayRequest.encode(
        PayRequest.fromPartial({
          orderId: '0190f3c4-5b6a-7c8d-9e0f-112233445566',
          customerId: 'customer-1',
          amount: { currencyCode: 'KRW', units: 19000 },
          method: PaymentMethod.PAYMENT_METHOD_CARD,
          idempotencyKey: 'k-valid',
          ...over,
        }),
      ).finish(),
    );
  const edgePlaceOrder = (over: Partial<EdgePlaceOrderRequest> = {}) =>
    Buffer.from(
      EdgePlaceOrderRequest.encode(
        EdgePlaceOrderRequest.fromPartial({
          storeId: STORE,
          items: [{ menuItemId: 'chk-fried', quantity: 1 }],
          deliveryAddress: HOME,
          idempotencyKey: 'k-valid',
          paymentMethod: PaymentMethod.PAYMENT_METHOD_CARD,
          ...over,
        }),
      ).finish(),
    );
  /** A valid request with one string field appended again as raw bytes (the last occurrence wins). */
  const withRaw = (valid: Buffer, fieldNumbers: number[], raw: Uint8Array) => Buffer.concat([valid, encodeAt(fieldNumbers, raw)]);
  const oneMiB = utf8('x'.repeat(MiB));

  const ISSUE_CASES: Array<{ name: string; service: string; path: string; body: Buffer; code: grpc.status; says: RegExp }> = [
    {
      name: 'a 1 MiB idempotency_key on PlaceOrder',
      service: 'order',
      path: '/foodmesh.order.v1.OrderService/PlaceOrder',
      body: withRaw(placeOrder(), [5], oneMiB),
      code: grpc.status.RESOURCE_EXHAUSTED,
      says: /larger than max/,
    },
    {
      name: 'a 1 MiB idempotency_key on Pay',
      service: 'payment',
      path: '/foodmesh.payment.v1.PaymentService/Pay',
      body: withRaw(pay(), [5], oneMiB),
      code: grpc.status.RESOURCE_EXHAUSTED,
      says: /larger than max/,
    },
    {
      name: 'a 1 MiB order_id on Pay',
      service: 'payment',
      path: '/foodmesh.payment.v1.PaymentService/Pay',
      body: withRaw(pay(), [1], oneMiB),
      code: grpc.status.RESOURCE_EXHAUSTED,
      says: /larger than max/,
    },
    {
      name: 'an idempotency_key just over its limit on PlaceOrder',
      service: 'order',
      path: '/foodmesh.order.v1.OrderService/PlaceOrder',
      body: placeOrder({ idempotencyKey: 'k'.repeat(129) }),
      code: grpc.status.INVALID_ARGUMENT,
      says: /^idempotency_key is longer than 128 characters$/,
    },
    {
      name: 'a NUL in idempotency_key on PlaceOrder',
      service: 'order',
      path: '/foodmesh.order.v1.OrderService/PlaceOrder',
      body: placeOrder({ idempotencyKey: 'k\0' }),
      code: grpc.status.INVALID_ARGUMENT,
      says: /^idempotency_key contains a NUL character$/,
    },
    {
      name: 'a NUL in store_id on PlaceOrder',
      service: 'order',
      path: '/foodmesh.order.v1.OrderService/PlaceOrder',
      body: placeOrder({ storeId: `${STORE}\0` }),
      code: grpc.status.INVALID_ARGUMENT,
      says: /^store_id contains a NUL character$/,
    },
    {
      name: 'a 1 MiB menu_item_id on PlaceOrder',
      service: 'order',
      path: '/foodmesh.order.v1.OrderService/PlaceOrder',
      body: withRaw(placeOrder(), [3, 1], oneMiB),
      code: grpc.status.RESOURCE_EXHAUSTED,
      says: /larger than max/,
    },
    {
      name: 'a 1 MiB menu_item_id on PlaceOrder through the edge',
      service: 'edge',
      path: '/foodmesh.edge.v1.CustomerService/PlaceOrder',
      body: withRaw(edgePlaceOrder(), [2, 1], oneMiB),
      code: grpc.status.RESOURCE_EXHAUSTED,
      says: /larger than max/,
    },
    {
      name: 'invalid UTF-8 in idempotency_key on PlaceOrder',
      service: 'order',
      path: '/foodmesh.order.v1.OrderService/PlaceOrder',
      body: withRaw(placeOrder(), [5], Buffer.from([0x6b, 0xff])),
      code: grpc.status.INVALID_ARGUMENT,
      says: /^idempotency_key is not valid UTF-8$/,
    },
    {
      name: 'another invalid UTF-8 idempotency_key on PlaceOrder (no collapsing into one U+FFFD key)',
      service: 'order',
      path: '/foodmesh.order.v1.OrderService/PlaceOrder',
      body: withRaw(placeOrder(), [5], Buffer.from([0x6b, 0xfe])),
      code: grpc.status.INVALID_ARGUMENT,
      says: /^idempotency_key is not valid UTF-8$/,
    },
    {
      name: 'invalid UTF-8 in idempotency_key on Pay',
      service: 'payment',
      path: '/foodmesh.payment.v1.PaymentService/Pay',
      body: withRaw(pay(), [5], Buffer.from([0xc3, 0x28])),
      code: grpc.status.INVALID_ARGUMENT,
      says: /^idempotency_key is not valid UTF-8$/,
    },
    {
      name: 'a request body that is not protobuf on PlaceOrder',
      service: 'order',
      path: '/foodmesh.order.v1.OrderService/PlaceOrder',
      body: utf8('{"store_id": "store-gangnam-chicken"}'),
      code: grpc.status.INVALID_ARGUMENT,
      says: /^the request is not a valid PlaceOrderRequest message$/,
    },
  ];

  it.each(ISSUE_CASES.map((c) => [c.name, c] as const))('the reported case: %s', async (_, c) => {
    const ch = client(c.service);
    const o = await rawCall(ch, { path: c.path, serverStream: false }, c.body, metadataFor(c.service));
    expectCleanRefusal(o, c.code, c.says, c.name);
    expect((await healthCheck(ch)).code).toBe(grpc.status.OK);
    // The same valid request without the bad value goes through on the same connection.
    if (c.service === 'order')
      expect((await rawCall(ch, { path: '/foodmesh.order.v1.OrderService/GetOrder', serverStream: false }, Buffer.alloc(0), metadataFor('order'))).code).toBe(
        grpc.status.NOT_FOUND,
      );
  });

  it('refuses a lone surrogate in a Connect JSON body (JSON cannot carry bad bytes, but it can carry this)', async () => {
    const res = await fetch(`${edgeBase(stack)}/foodmesh.edge.v1.CustomerService/PlaceOrder`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${edgeToken}` },
      body: `{"storeId": "${STORE}", "idempotencyKey": "k\\ud800", "items": [{"menuItemId": "chk-fried", "quantity": 1}]}`,
    });
    const body = (await res.json()) as { code: string; message: string };
    expect([res.status, body.code]).toEqual([400, 'invalid_argument']);
  });

  it('wrote nothing: every table of every service has the rows it had before', async () => {
    expect(await rowCounts(stack, namespace)).toEqual(before);
  });
});

const edgeBase = (stack: RunningStack) => `http://127.0.0.1:${stack.services.find((s) => s.name === 'edge')!.httpPort}`;

/** The edge's browser port, spoken by hand: gRPC-web frames, or the Connect protocol. */
function edgeHttp(stack: RunningStack, token: string) {
  const base = edgeBase(stack);
  const frame = (body: Buffer) => {
    const head = Buffer.alloc(5);
    head.writeUInt32BE(body.length, 1);
    return Buffer.concat([head, body]);
  };
  const CONNECT_CODES: Record<string, grpc.status> = Object.fromEntries(
    Object.entries(grpc.status)
      .filter(([, v]) => typeof v === 'number')
      .map(([k, v]) => [k.toLowerCase(), v as grpc.status]),
  );
  CONNECT_CODES.canceled = grpc.status.CANCELLED;

  return {
    async call(protocol: 'grpc-web' | 'connect', rpc: { path: string; serverStream: boolean }, body: Buffer): Promise<Outcome> {
      const enveloped = protocol === 'grpc-web' || rpc.serverStream;
      const contentType = protocol === 'grpc-web' ? 'application/grpc-web+proto' : rpc.serverStream ? 'application/connect+proto' : 'application/proto';
      const res = await fetch(`${base}${rpc.path}`, {
        method: 'POST',
        headers: { 'content-type': contentType, authorization: `Bearer ${token}`, 'connect-protocol-version': '1', 'x-grpc-web': '1' },
        body: new Uint8Array(enveloped ? frame(body) : body),
        signal: AbortSignal.timeout(DEADLINE_MS),
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      if (protocol === 'grpc-web') {
        let status = res.headers.get('grpc-status');
        let message = res.headers.get('grpc-message');
        // Otherwise in the trailer frame (flag 0x80) at the end of the body.
        for (let i = 0; status === null && i + 5 <= bytes.length;) {
          const len = bytes.readUInt32BE(i + 1);
          if (bytes[i]! & 0x80) {
            const trailer = bytes.subarray(i + 5, i + 5 + len).toString('utf8');
            status = /grpc-status:\s*(\d+)/i.exec(trailer)?.[1] ?? null;
            message = /grpc-message:\s*([^\r\n]*)/i.exec(trailer)?.[1] ?? '';
          }
          i += 5 + len;
        }
        return { code: Number(status), details: decodeURIComponent(message ?? '') };
      }
      if (!rpc.serverStream) {
        if (res.status === 200) return { code: grpc.status.OK, details: '' };
        const err = JSON.parse(bytes.toString('utf8')) as { code: string; message?: string };
        return { code: CONNECT_CODES[err.code]!, details: err.message ?? '' };
      }
      // Connect streaming: the end-of-stream frame (flag 0x02) carries the error as JSON.
      for (let i = 0; i + 5 <= bytes.length;) {
        const len = bytes.readUInt32BE(i + 1);
        if (bytes[i]! & 0x02) {
          const end = JSON.parse(bytes.subarray(i + 5, i + 5 + len).toString('utf8')) as { error?: { code: string; message?: string } };
          return end.error ? { code: CONNECT_CODES[end.error.code]!, details: end.error.message ?? '' } : { code: grpc.status.OK, details: '' };
        }
        i += 5 + len;
      }
      return { code: grpc.status.UNKNOWN, details: `no end-of-stream frame (HTTP ${res.status})` };
    },
  };
}
