import { ConfigError } from '@foodmesh/platform';
import { DEV_JWT_SECRET, loadConfig } from './config';

const env = {
  KAFKA_BROKERS: '127.0.0.1:9092',
  ORDER_ADDR: 'order:50051',
  STORE_ADDR: 'store:50051',
  DELIVERY_ADDR: 'delivery:50051',
  ORDERVIEW_ADDR: 'orderview:50051',
  NOTIFICATION_ADDR: 'notification:50051',
  PAYMENT_ADDR: 'payment:50051',
};

describe('edge config', () => {
  it('uses the dev secret only outside production', () => {
    expect(loadConfig(env).EDGE_JWT_SECRET).toBe(DEV_JWT_SECRET);
    expect(() => loadConfig({ ...env, NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(loadConfig({ ...env, NODE_ENV: 'production', EDGE_JWT_SECRET: 'x'.repeat(40) }).EDGE_JWT_SECRET).toBe('x'.repeat(40));
  });

  it('refuses a short secret and reads the web settings', () => {
    expect(() => loadConfig({ ...env, EDGE_JWT_SECRET: 'short' })).toThrow(/EDGE_JWT_SECRET/);
    const c = loadConfig({ ...env, HTTP_PORT: '9090', WEB_ORIGINS: 'http://localhost:5173, https://app.example' });
    expect(c.HTTP_PORT).toBe(9090);
    expect(c.WEB_ORIGINS).toEqual(['http://localhost:5173', 'https://app.example']);
  });
});
