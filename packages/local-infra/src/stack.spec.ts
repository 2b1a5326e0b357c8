import type { ServiceSpec } from './stack';
import { startOrder } from './stack';

const spec = (name: string, env: Record<string, string> = {}): ServiceSpec => ({
  name,
  dir: name,
  main: `${name}/main.js`,
  grpcPort: 1,
  metricsPort: 2,
  database: false,
  env,
});

describe('startOrder', () => {
  it('puts every service after the ones its env refers to as {name}', () => {
    const order = startOrder([
      spec('edge', { ORDER_ADDR: '{order}', STORE_ADDR: '{store}' }),
      spec('order', { PAYMENT_ADDR: '{payment}' }),
      spec('payment'),
      spec('store'),
    ]);
    expect(order.map((o) => [o.spec.name, o.after])).toEqual([
      ['payment', []],
      ['order', ['payment']],
      ['store', []],
      ['edge', ['order', 'store']],
    ]);
  });

  it('refuses a reference to a service that does not exist', () => {
    expect(() => startOrder([spec('order', { PAYMENT_ADDR: '{paymnet}' })])).toThrow("order's env refers to {paymnet}, but there is no service paymnet");
  });

  it('refuses services that wait on each other', () => {
    expect(() => startOrder([spec('a', { X: '{b}' }), spec('b', { Y: '{c}' }), spec('c', { Z: '{a}' })])).toThrow('cycle: a → b → c → a');
  });
});
