import { formatMoney, formatSeoulTime, formatWon, LOCALES, MESSAGE_CODES, renderMessage } from './customer-text';

describe('customer text', () => {
  it('renders every message in Korean and English with its parameters filled in', () => {
    const params = {
      store: 'S',
      total: '₩1',
      amount: '₩3',
      reason: 'R',
      refund: '₩2',
      minutes: 15,
      rider: 'Kim',
      items: 'I',
      region: 'seoul-mapo',
      pickup: 'P',
      retryAfterSeconds: 30,
      payBy: '14:05',
    };
    for (const code of MESSAGE_CODES) {
      for (const locale of LOCALES) {
        const { title, body } = renderMessage({ code, params }, locale);
        expect(title.length).toBeGreaterThan(0);
        expect(body).not.toContain('undefined');
      }
    }
    expect(renderMessage({ code: 'ACCEPTED', params }, 'ko').body).toBe('가게에서 주문을 수락했습니다. 약 15분 후 준비됩니다.');
    expect(renderMessage({ code: 'ACCEPTED', params }, 'en').body).toBe('The store accepted your order; ready in about 15 minutes.');
  });

  it('formats won without a minor unit, other currencies by code, times in Seoul', () => {
    expect(formatWon(38000)).toBe('₩38,000');
    expect(formatWon(38000n)).toBe('₩38,000');
    expect(formatMoney({ currencyCode: 'KRW', units: 38000 })).toBe('₩38,000');
    expect(formatMoney({ currencyCode: 'USD', units: 15 })).toBe('15 USD');
    expect(formatMoney(undefined)).toBe('');
    expect(formatSeoulTime(new Date('2026-11-25T05:15:00Z'))).toBe('14:15');
  });
});
