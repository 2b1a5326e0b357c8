import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kafkaConfigSchema, type BaseConfig } from './config';
import { kafkaSecurityOf } from './kafka-config';

const config = (env: Record<string, string>, foodmeshEnv: BaseConfig['FOODMESH_ENV'] = 'production') => ({
  ...kafkaConfigSchema.parse({ KAFKA_BROKERS: 'kafka:9093', ...env }),
  FOODMESH_ENV: foodmeshEnv,
});
const problemsOf = (c: ReturnType<typeof config>) => {
  try {
    kafkaSecurityOf(c);
    return [];
  } catch (err) {
    return (err as { problems: string[] }).problems;
  }
};

describe('kafkaSecurityOf', () => {
  it('refuses, in production, a client without SASL or without TLS', () => {
    expect(problemsOf(config({}))).toEqual([
      expect.stringMatching(/^KAFKA_SASL_MECHANISM: must be scram-sha-512/),
      expect.stringMatching(/^KAFKA_TLS: must be on/),
    ]);
  });

  it('refuses SCRAM without a user or password, and a CA file it cannot read', () => {
    expect(
      problemsOf(config({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_USERNAME: 'order', KAFKA_TLS: 'on', KAFKA_TLS_CA_FILE: '/nonexistent/ca.crt' })),
    ).toEqual([
      expect.stringMatching(/^KAFKA_USERNAME \/ KAFKA_PASSWORD: required/),
      expect.stringMatching(/^KAFKA_TLS_CA_FILE: cannot read \/nonexistent\/ca.crt \(ENOENT\)/),
    ]);
  });

  it('signs in as the service user over TLS trusting the CA file', () => {
    const ca = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-ca-')), 'ca.crt');
    fs.writeFileSync(ca, '-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n');
    const c = config({ KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_USERNAME: 'order', KAFKA_PASSWORD: 'secret', KAFKA_TLS: 'on', KAFKA_TLS_CA_FILE: ca });
    expect(kafkaSecurityOf(c)).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'order', password: 'secret' },
      tls: { ca: fs.readFileSync(ca, 'utf8') },
    });
    fs.rmSync(path.dirname(ca), { recursive: true });
  });

  it('lets local runs go without TLS, and without SASL on a broker that has none', () => {
    expect(kafkaSecurityOf(config({}, 'development'))).toEqual({ sasl: undefined, tls: undefined });
  });
});
