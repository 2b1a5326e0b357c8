import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { PlaceOrderRequest, OrderServiceService } from '@foodmesh/proto-gen/foodmesh/order/v1/order';
import { PaymentMethod } from '@foodmesh/proto-gen/foodmesh/common/v1/payment_method';
import { DomainError } from './errors';
import { guardRequests, RejectedRequest, requestCheck, requestDecoder } from './request-guard';

const TYPE = 'foodmesh.order.v1.PlaceOrderRequest';
const valid = () =>
  PlaceOrderRequest.fromPartial({
    customerId: 'customer-1',
    storeId: 'store-gangnam-chicken',
    items: [{ menuItemId: 'chk-fried', quantity: 2 }],
    deliveryAddress: { region: 'seoul-gangnam', location: { lat: 37.5, lng: 127 }, text: '서울 강남구 테헤란로 152' },
    idempotencyKey: 'k-1',
    paymentMethod: PaymentMethod.PAYMENT_METHOD_CARD,
  });
const encode = (m: PlaceOrderRequest) => PlaceOrderRequest.encode(m).finish();
/** The valid request with raw bytes appended as one more occurrence of a string field (the last one wins). */
const withRawString = (fieldNo: number, raw: Uint8Array) => {
  const w = new BinaryWriter();
  w.tag(fieldNo, 2).bytes(raw);
  return Buffer.concat([encode(valid()), w.finish()]);
};

function rejection(bytes: Uint8Array): string {
  try {
    requestCheck(TYPE)(bytes);
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).kind).toBe('INVALID_ARGUMENT');
    return (err as DomainError).message;
  }
  throw new Error('the request was accepted');
}

describe('request guard', () => {
  it('accepts a valid request, unknown fields and multibyte text within the limit', () => {
    const w = new BinaryWriter();
    w.tag(99, 2).string('a field from a newer client');
    requestCheck(TYPE)(Buffer.concat([encode(valid()), w.finish()]));
    requestCheck(TYPE)(encode({ ...valid(), idempotencyKey: '가'.repeat(128) }));
  });

  it('refuses a string that is not UTF-8, naming the field and never quoting it', () => {
    const msg = rejection(withRawString(5, Buffer.from([0x6b, 0xff, 0xfe, 0x2d])));
    expect(msg).toBe('idempotency_key is not valid UTF-8');
  });

  it('refuses a NUL character, at any depth', () => {
    expect(rejection(encode({ ...valid(), storeId: 'store\0x' }))).toBe('store_id contains a NUL character');
    expect(rejection(encode({ ...valid(), items: [{ menuItemId: 'a\0', quantity: 1 }] }))).toBe('items[].menu_item_id contains a NUL character');
  });

  it('refuses a string longer than its declared max_length, counted in characters', () => {
    expect(rejection(encode({ ...valid(), idempotencyKey: '가'.repeat(129) }))).toBe('idempotency_key is longer than 128 characters');
    expect(rejection(encode({ ...valid(), deliveryAddress: { ...valid().deliveryAddress!, text: 'x'.repeat(201) } }))).toBe(
      'delivery_address.text is longer than 200 characters',
    );
    const huge = rejection(encode({ ...valid(), items: [{ menuItemId: 'm'.repeat(1 << 20), quantity: 1 }] }));
    expect(huge).toBe('items[].menu_item_id is longer than 64 characters');
  });

  it.each([
    ['not protobuf at all', Buffer.from('{"order_id": "x"}')],
    ['a truncated message', encode(valid()).subarray(0, 20)],
    ['a field with the wrong wire type', Buffer.from([0x08, 0x01])], // customer_id (1) as a varint
    ['field number 0', Buffer.from([0x00, 0x01])],
  ])('refuses %s', (_, bytes) => {
    expect(rejection(bytes)).toMatch(/^(the request is not a valid PlaceOrderRequest message|customer_id has the wrong wire type for its field)$/);
  });

  it('hands grpc-js a RejectedRequest instead of throwing (which grpc-js would answer INTERNAL)', () => {
    const guarded = guardRequests(OrderServiceService);
    expect(guarded.placeOrder.requestDeserialize(Buffer.from([0xff, 0xff, 0xff]))).toBeInstanceOf(RejectedRequest);
    expect(guarded.placeOrder.requestDeserialize(Buffer.from(encode(valid())))).toEqual(valid());
    expect(() => requestDecoder(OrderServiceService.placeOrder)(Buffer.from([0xff]))).toThrow(DomainError);
  });

  it('every RPC in proto/ has a guard: each string a request carries declares its max_length', () => {
    const services = [...new Set(findServices(path.resolve(__dirname, '../../../proto/foodmesh')))];
    expect(services.length).toBeGreaterThan(5);
    for (const [service, method] of services.map((s) => s.split('|') as [string, string])) {
      expect(() => requestCheck(requestTypeName(service, method))).not.toThrow();
    }
  });
});

/** `service|Method` of every rpc declared under proto/, read from the files themselves. */
function findServices(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...findServices(p));
    else if (e.name.endsWith('.proto')) {
      const text = readFileSync(p, 'utf8');
      const pkg = /\npackage ([\w.]+);/.exec(text)![1];
      for (const svc of text.matchAll(/\nservice (\w+) \{([\s\S]*?)\n\}/g)) {
        for (const rpc of svc[2]!.matchAll(/rpc (\w+)\((\w+)\)/g)) out.push(`${pkg}.${svc[1]}|${rpc[2]}`);
      }
    }
  }
  return out;
}
const requestTypeName = (service: string, requestType: string) => `${service.slice(0, service.lastIndexOf('.'))}.${requestType}`;
