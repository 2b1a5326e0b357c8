import { baseConfigSchema, ConfigError, dataConfigSchema, parseConfig } from './config';

const schema = baseConfigSchema.extend(dataConfigSchema.shape);
const identity = {
  AUTH_ISSUER: 'https://auth.example.com/',
  AUTH_AUDIENCE: 'foodmesh',
  AUTH_JWKS_URL: 'https://auth.example.com/jwks.json',
  WORKLOAD_IDENTITY: 'mesh',
};
const problemsOf = (env: Record<string, string>) => {
  try {
    parseConfig(schema, env);
    return [];
  } catch (err) {
    return (err as ConfigError).problems;
  }
};

describe('parseConfig', () => {
  it('applies defaults and splits the broker list', () => {
    const c = parseConfig(schema, { ...identity, SERVICE_NAME: 'order', DATABASE_URL: 'postgres://u@h/db', KAFKA_BROKERS: 'a:9092, b:9092' });
    expect(c.GRPC_PORT).toBe(50051);
    expect(c.KAFKA_BROKERS).toEqual(['a:9092', 'b:9092']);
    expect(c.RESILIENCE_MODE).toBe('local');
    expect([c.FOODMESH_ENV, c.GRPC_REFLECTION]).toEqual(['development', false]);
  });

  it('needs the identity settings, with key sets and keys as JSON', () => {
    const base = { SERVICE_NAME: 'order', DATABASE_URL: 'postgres://u@h/db', KAFKA_BROKERS: 'k:9092' };
    expect(problemsOf(base)).toEqual([
      'AUTH_ISSUER: Invalid input: expected string, received undefined',
      'AUTH_AUDIENCE: Invalid input: expected string, received undefined',
      'WORKLOAD_IDENTITY: Invalid option: expected one of "mesh"|"token"',
    ]);
    expect(
      problemsOf({
        ...base,
        ...identity,
        AUTH_JWKS: '{"keys":',
        WORKLOAD_JWKS: '{"keys":[]}',
        WORKLOAD_SIGNING_KEY: '{"kty":"EC","kid":"k"}',
        GRPC_REFLECTION: 'yes',
      }),
    ).toEqual([
      'GRPC_REFLECTION: Invalid option: expected one of "on"|"off"',
      'AUTH_JWKS: must be JSON',
      'WORKLOAD_JWKS.keys: Too small: expected array to have >=1 items',
      'WORKLOAD_SIGNING_KEY.d: Invalid input: expected string, received undefined',
    ]);
  });

  it('refuses a placeholder secret in any variable', () => {
    expect(problemsOf({ ...identity, SERVICE_NAME: 'order', DATABASE_URL: 'postgres://order:change-me-order@pg:5432/order', KAFKA_BROKERS: 'k:9092' })).toEqual(
      ['DATABASE_URL: holds a placeholder ("change-me…"); set the real secret'],
    );
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
