import { ConfigError } from '@foodmesh/platform';
import { loadConfig } from './config';

describe('store config', () => {
  it('defaults to the store service\'s name and local ports', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h/db', KAFKA_BROKERS: 'k:9092' });
    expect([c.SERVICE_NAME, c.GRPC_PORT, c.METRICS_PORT]).toEqual(['store', 50053, 9463]);
  });

  it('refuses to start without its database and brokers', () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
  });
});
