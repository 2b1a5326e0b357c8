import { SignJWT } from 'jose';
import { DomainError } from '@foodmesh/platform/errors';
import { findUser } from '../domain/directory';
import { createTokens, TOKEN_AUDIENCE, TOKEN_ISSUER } from './tokens';

const SECRET = 'unit-test-secret-0123456789abcdefghijkl';
const reasonOf = (p: Promise<unknown>) => p.then(() => 'OK', (e: DomainError) => `${e.kind}/${e.reason}`);

describe('bearer tokens', () => {
  let clock = Date.parse('2026-11-25T12:00:00Z');
  const tokens = createTokens({ secret: SECRET, ttlSeconds: 600, now: () => clock });
  const customer = findUser('customer-1')!;

  it('verifies its own token as the signed-in user until it expires', async () => {
    const { token, expiresAt } = await tokens.sign(customer);
    expect(expiresAt.toISOString()).toBe('2026-11-25T12:10:00.000Z');
    expect((await tokens.verify(token)).user.userId).toBe('customer-1');
    clock += 601_000;
    expect(await reasonOf(tokens.verify(token))).toBe('UNAUTHENTICATED/TOKEN_EXPIRED');
    clock -= 601_000;
  });

  it('rejects a token signed with another key, tampered with, unsigned or for an unknown user', async () => {
    const other = createTokens({ secret: `${SECRET}-other`, ttlSeconds: 600, now: () => clock });
    expect(await reasonOf(tokens.verify((await other.sign(customer)).token))).toBe('UNAUTHENTICATED/TOKEN_INVALID');

    const [head, , sig] = (await tokens.sign(customer)).token.split('.');
    const body = Buffer.from(JSON.stringify({ sub: 'owner-1', role: 'owner', iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE, exp: clock / 1000 + 60 })).toString('base64url');
    expect(await reasonOf(tokens.verify(`${head}.${body}.${sig}`))).toBe('UNAUTHENTICATED/TOKEN_INVALID');
    expect(await reasonOf(tokens.verify(`${Buffer.from('{"alg":"none"}').toString('base64url')}.${body}.`))).toBe('UNAUTHENTICATED/TOKEN_INVALID');

    const ghost = await new SignJWT({ role: 'customer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('customer-99')
      .setIssuer(TOKEN_ISSUER)
      .setAudience(TOKEN_AUDIENCE)
      .setExpirationTime(Math.floor(clock / 1000) + 60)
      .sign(new TextEncoder().encode(SECRET));
    expect(await reasonOf(tokens.verify(ghost))).toBe('UNAUTHENTICATED/TOKEN_UNKNOWN_USER');
  });

  it('rejects a token whose role does not match the directory', async () => {
    const owner = findUser('owner-1')!;
    const { token } = await tokens.sign({ ...owner, role: 'customer' });
    expect(await reasonOf(tokens.verify(token))).toBe('UNAUTHENTICATED/TOKEN_UNKNOWN_USER');
  });
});
