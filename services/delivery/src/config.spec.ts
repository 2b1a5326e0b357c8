import { ConfigError } from '@foodmesh/platform';
import { loadConfig } from './config';

describe('delivery config', () => {
  it('defaults to the delivery service\'s name and local ports', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h/db', KAFKA_BROKERS: 'k:9092' });
    expect([c.SERVICE_NAME, c.GRPC_PORT, c.METRICS_PORT]).toEqual(['delivery', 50054, 9464]);
  });

  it('refuses to start without its database and brokers', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
  });
});
