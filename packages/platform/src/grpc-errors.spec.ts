import { status } from '@grpc/grpc-js';
import { DomainError, failedPrecondition, invalidArgument, notFound, unavailable } from './errors';
import { MAX_DETAILS_LENGTH, toServiceError } from './grpc-errors';

describe('toServiceError', () => {
  it.each([
    [invalidArgument('quantity must be at least 1'), status.INVALID_ARGUMENT],
    [notFound('no order o-1'), status.NOT_FOUND],
    [failedPrecondition('cooking has already started'), status.FAILED_PRECONDITION],
    [new DomainError('ALREADY_EXISTS', 'dup'), status.ALREADY_EXISTS],
    [new DomainError('PERMISSION_DENIED', 'not your store'), status.PERMISSION_DENIED],
    [new DomainError('RESOURCE_EXHAUSTED', 'busy'), status.RESOURCE_EXHAUSTED],
  ])('maps %s to its gRPC code and keeps the message', (err, code) => {
    const se = toServiceError(err);
    expect(se.code).toBe(code);
    expect(se.details).toBe(err.message);
  });

  it('carries the reason and a retry hint in trailers', () => {
    const se = toServiceError(unavailable('payment is busy', 30, 'PAYMENT_BUSY'));
    expect(se.code).toBe(status.UNAVAILABLE);
    expect(se.metadata.get('retry-after-seconds')).toEqual(['30']);
    expect(se.metadata.get('x-error-reason')).toEqual(['PAYMENT_BUSY']);
  });

  it('sends at most a short message, however long the one thrown (it travels in a header)', () => {
    const se = toServiceError(notFound(`no menu item "${'x'.repeat(1 << 20)}"`));
    expect(se.code).toBe(status.NOT_FOUND);
    expect(se.details.length).toBe(MAX_DETAILS_LENGTH);
    expect(se.details.startsWith('no menu item "xxx')).toBe(true);
    expect(se.details.endsWith('…')).toBe(true);
  });

  it('hides unexpected errors behind INTERNAL with a reference', () => {
    const se = toServiceError(new TypeError('cannot read x of undefined'), undefined, 'abc123');
    expect(se.code).toBe(status.INTERNAL);
    expect(se.details).not.toContain('cannot read');
    expect(se.details).toContain('abc123');
  });
});
