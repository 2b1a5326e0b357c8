import { baseConfigSchema, ConfigError, dataConfigSchema, parseConfig } from './config';

const schema = baseConfigSchema.extend(dataConfigSchema.shape);

describe('parseConfig', () => {
  it('applies defaults and splits the broker list', () => {
    const c = parseConfig(schema, { SERVICE_NAME: 'order', DATABASE_URL: 'postgres://u@h/db', KAFKA_BROKERS: 'a:9092, b:9092' });
    expect(c.GRPC_PORT).toBe(50051);
    expect(c.KAFKA_BROKERS).toEqual(['a:9092', 'b:9092']);
    expect(c.RESILIENCE_MODE).toBe('local');
  });

  it('names every bad variable in one error', () => {
    const attempt = () => parseConfig(schema, { GRPC_PORT: '70000', DATABASE_URL: 'mysql://x', KAFKA_BROKERS: 'k:1' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (err) {
      const msg = (err as Error).message;
      expect(msg).toContain('SERVICE_NAME');
      expect(msg).toContain('GRPC_PORT');
      expect(msg).toContain('DATABASE_URL: must be a postgres:// URL');
    }
  });
});
