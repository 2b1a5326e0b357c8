export type Locale = 'ko' | 'en';
export const LOCALES: readonly Locale[] = ['ko', 'en'];

/** Values a template may use; every one is already formatted for people. */
export type TemplateParams = Record<string, string>;
type Text = (p: TemplateParams) => { title: string; body: string };

/** Every message, in Korean and English. Keys name what happened, from the recipient's side. */
const TEMPLATES = {
  paymentDeferred: {
    ko: (p) => ({ title: '결제 대기 중', body: `결제가 잠시 지연되고 있어요. 주문은 저장되었으니 ${p.retryAfter}초 후에 다시 결제해 주세요.` }),
    en: (p) => ({ title: 'Payment pending', body: `Payment is busy right now. Your order is saved; please pay again in ${p.retryAfter} seconds.` }),
  },
  orderPlaced: {
    ko: (p) => ({ title: '주문이 접수되었습니다', body: `${p.store}에 주문이 전달되었습니다. 결제 금액 ${p.total}.` }),
    en: (p) => ({ title: 'Order placed', body: `Your order was sent to ${p.store}. You paid ${p.total}.` }),
  },
  paymentFailed: {
    ko: (p) => ({ title: '결제 실패', body: `결제가 거절되었습니다: ${p.reason}` }),
    en: (p) => ({ title: 'Payment failed', body: `Your payment was declined: ${p.reason}` }),
  },
  cancellationRequested: {
    ko: () => ({ title: '취소 요청됨', body: '주문 취소를 요청했습니다. 가게의 확인을 기다리고 있어요.' }),
    en: () => ({ title: 'Cancellation requested', body: 'We asked the store to cancel your order and are waiting for its answer.' }),
  },
  cancellationRefused: {
    ko: (p) => ({ title: '주문 취소 불가', body: `가게에서 취소를 거절했습니다: ${p.reason}` }),
    en: (p) => ({ title: 'Cancellation refused', body: `The store could not cancel your order: ${p.reason}` }),
  },
  cancelledPaid: {
    ko: (p) => ({ title: '주문이 취소되었습니다', body: `주문이 취소되고 ${p.refund}이 환불되었습니다.` }),
    en: (p) => ({ title: 'Order cancelled', body: `Your order was cancelled and ${p.refund} refunded.` }),
  },
  cancelledUnpaid: {
    ko: () => ({ title: '주문이 취소되었습니다', body: '결제 전 주문이 취소되었습니다.' }),
    en: () => ({ title: 'Order cancelled', body: 'Your unpaid order was cancelled.' }),
  },
  paymentAvailable: {
    ko: (p) => ({ title: '지금 결제할 수 있어요', body: `결제가 다시 가능합니다. ${p.store} 주문(${p.total})을 ${p.payBy}까지 결제해 주세요.` }),
    en: (p) => ({ title: 'You can pay now', body: `Payment works again: pay for your order at ${p.store} (${p.total}) before ${p.payBy}.` }),
  },
  expiredUnpaid: {
    ko: () => ({ title: '주문이 취소되었습니다', body: '결제 시간이 지나 주문이 취소되었습니다. 결제된 금액은 없습니다.' }),
    en: () => ({ title: 'Order cancelled', body: 'Your order was not paid in time and was cancelled. Nothing was charged.' }),
  },
  rejected: {
    ko: (p) => ({ title: '주문이 거절되었습니다', body: `가게에서 주문을 받을 수 없어 ${p.refund}이 환불되었습니다. (${p.reason})` }),
    en: (p) => ({ title: 'Order rejected', body: `The store could not take your order (${p.reason}); ${p.refund} was refunded.` }),
  },
  accepted: {
    ko: (p) => ({ title: '주문 수락', body: `가게에서 주문을 수락했습니다. 약 ${p.minutes}분 후 준비됩니다.` }),
    en: (p) => ({ title: 'Order accepted', body: `The store accepted your order; ready in about ${p.minutes} minutes.` }),
  },
  cookingStarted: {
    ko: () => ({ title: '조리 시작', body: '가게에서 음식을 조리하기 시작했습니다.' }),
    en: () => ({ title: 'Cooking started', body: 'The store started cooking your order.' }),
  },
  cookingFinished: {
    ko: () => ({ title: '조리 완료', body: '음식이 준비되었습니다. 라이더를 찾고 있어요.' }),
    en: () => ({ title: 'Food ready', body: 'Your food is ready; we are finding a rider.' }),
  },
  pickedUp: {
    ko: (p) => ({ title: '배달 출발', body: `${p.rider} 라이더가 음식을 픽업해 배달 중입니다.` }),
    en: (p) => ({ title: 'On the way', body: `${p.rider} picked up your food and is on the way.` }),
  },
  completed: {
    ko: () => ({ title: '배달 완료', body: '맛있게 드세요! 이용해 주셔서 감사합니다.' }),
    en: () => ({ title: 'Delivered', body: 'Enjoy your meal! Thank you for your order.' }),
  },
  ownerNewOrder: {
    ko: (p) => ({ title: '새 주문', body: `새 주문이 들어왔습니다: ${p.items} (${p.total})` }),
    en: (p) => ({ title: 'New order', body: `New order: ${p.items} (${p.total})` }),
  },
  ownerCancellationRequested: {
    ko: (p) => ({ title: '취소 요청', body: `고객이 주문 취소를 요청했습니다: ${p.reason}` }),
    en: (p) => ({ title: 'Cancellation request', body: `The customer asked to cancel an order: ${p.reason}` }),
  },
  ownerCancelled: {
    ko: () => ({ title: '주문 취소', body: '주문이 취소되고 환불되었습니다.' }),
    en: () => ({ title: 'Order cancelled', body: 'An order was cancelled and refunded.' }),
  },
  riderDeliveryAvailable: {
    ko: (p) => ({ title: '새 배달', body: `${p.region}에 새 배달이 있습니다. 픽업: ${p.pickup}` }),
    en: (p) => ({ title: 'New delivery', body: `New delivery in ${p.region}. Pick up at ${p.pickup}.` }),
  },
} satisfies Record<string, Record<Locale, Text>>;

export type TemplateKey = keyof typeof TEMPLATES;

export function render(key: TemplateKey, params: TemplateParams, locale: Locale): { title: string; body: string } {
  return TEMPLATES[key][locale](params);
}

/** Every template key, for tests that check each renders in every locale. */
export const TEMPLATE_KEYS = Object.keys(TEMPLATES) as TemplateKey[];

/**
 * Each recipient's language: the configured override, else the default.
 * `overrides` is "user=locale,user=locale" (e.g. "customer-2=en").
 */
export function localeResolver(defaultLocale: Locale, overrides: string): (recipientId: string) => Locale {
  const map = new Map<string, Locale>();
  for (const pair of overrides.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [user, loc] = pair.split('=').map((s) => s.trim());
    if (!user || !LOCALES.includes(loc as Locale)) throw new Error(`bad locale override "${pair}": want user=ko or user=en`);
    map.set(user, loc as Locale);
  }
  return (recipientId) => map.get(recipientId) ?? defaultLocale;
}
