/**
 * Every sentence a customer, store owner or rider reads, in Korean and
 * English, in one place. Domain and app code say what happened as a code with
 * parameters (`{ code: 'PAYMENT_DEFERRED', params: { retryAfterSeconds: 30 } }`);
 * notifications, the order view's timeline, the order service's replies and
 * the web app render it here. Money and times are formatted here too.
 *
 * Pure (no imports), so domain code and the browser bundle may depend on it.
 */
export type Locale = 'ko' | 'en';
export const LOCALES: readonly Locale[] = ['ko', 'en'];

/** Money as both generated codes spell it (ts-proto: number units; protobuf-es: bigint). */
export interface MoneyLike {
  currencyCode: string;
  units: number | bigint;
}

/** "₩19,000": KRW has no minor unit. */
export const formatWon = (units: number | bigint): string => `₩${Number(units).toLocaleString('en-US')}`;
/** "₩15,000" for KRW; "1500 USD" otherwise; "" for none. */
export const formatMoney = (m: MoneyLike | undefined): string =>
  !m ? '' : m.currencyCode === 'KRW' || m.currencyCode === '' ? formatWon(m.units) : `${m.units} ${m.currencyCode}`;
/** "14:05" in Seoul, where the stores, riders and customers are. */
export const formatSeoulTime = (d: Date | undefined): string =>
  d ? d.toLocaleTimeString('en-GB', { timeZone: 'Asia/Seoul', hour: '2-digit', minute: '2-digit' }) : '';

/** "Fried Chicken ×2, Cola ×1". */
export const formatItems = (items: readonly { name: string; menuItemId: string; quantity: number }[]): string =>
  items.map((i) => `${i.name || i.menuItemId} ×${i.quantity}`).join(', ');

/** Values a message may use: words and numbers, money and times already formatted by the functions above. */
export type MessageParams = Record<string, string | number>;
export interface Text {
  title: string;
  body: string;
}
type Render = (p: MessageParams) => Text;

/** Keys name what happened, from the reader's side. */
const MESSAGES = {
  PAYMENT_DEFERRED: {
    ko: (p) => ({ title: '결제 대기 중', body: `결제가 잠시 지연되고 있어요. 주문은 저장되었으니 ${p.retryAfterSeconds}초 후에 다시 결제해 주세요.` }),
    en: (p) => ({
      title: 'Payment pending',
      body: `Payment is busy right now. Your order is saved — please try paying again in ${p.retryAfterSeconds} seconds.`,
    }),
  },
  PAYMENT_APPROVED: {
    ko: (p) => ({ title: '결제 승인', body: `${p.amount} 결제가 승인되었습니다.` }),
    en: (p) => ({ title: 'Payment approved', body: `Payment of ${p.amount} approved.` }),
  },
  PAYMENT_DECLINED: {
    ko: (p) => ({ title: '결제 거절', body: `${p.amount} 결제가 거절되었습니다: ${p.reason}` }),
    en: (p) => ({ title: 'Payment declined', body: `Payment of ${p.amount} declined: ${p.reason}.` }),
  },
  PAYMENT_REFUNDED: {
    ko: (p) => ({ title: '환불 처리', body: `${p.amount} 환불이 처리되었습니다.` }),
    en: (p) => ({ title: 'Refund issued', body: `Refund of ${p.amount} issued.` }),
  },
  ORDER_PAID: {
    ko: (p) => ({ title: '결제 완료', body: `결제가 승인되었습니다. ${p.store}에서 주문을 받았어요.` }),
    en: (p) => ({ title: 'Payment approved', body: `Payment approved. ${p.store} has your order.` }),
  },
  ORDER_PLACED: {
    ko: (p) => ({ title: '주문이 접수되었습니다', body: `${p.store}에 주문이 전달되었습니다. 결제 금액 ${p.total}.` }),
    en: (p) => ({ title: 'Order placed', body: `Your order was sent to ${p.store}. You paid ${p.total}.` }),
  },
  PAYMENT_FAILED: {
    ko: (p) => ({ title: '결제 실패', body: `결제가 거절되었습니다: ${p.reason}. 청구된 금액은 없습니다. 다른 결제 수단으로 다시 주문해 주세요.` }),
    en: (p) => ({
      title: 'Payment failed',
      body: `Your payment was declined: ${p.reason}. Nothing was charged; please order again with another payment method.`,
    }),
  },
  PAYMENT_AVAILABLE: {
    ko: (p) => ({ title: '지금 결제할 수 있어요', body: `결제가 다시 가능합니다. ${p.store} 주문(${p.total})을 ${p.payBy}까지 결제해 주세요.` }),
    en: (p) => ({ title: 'You can pay now', body: `Payment works again: pay for your order at ${p.store} (${p.total}) before ${p.payBy}.` }),
  },
  CANCELLATION_REQUESTED: {
    ko: () => ({ title: '취소 요청됨', body: '주문 취소를 요청했습니다. 가게의 확인을 기다리고 있어요.' }),
    en: () => ({ title: 'Cancellation requested', body: 'We asked the store to cancel your order and are waiting for its answer.' }),
  },
  CANCELLATION_REFUSED: {
    ko: (p) => ({ title: '주문 취소 불가', body: `가게에서 취소를 거절했습니다: ${p.reason}` }),
    en: (p) => ({ title: 'Cancellation refused', body: `The store could not cancel your order: ${p.reason}` }),
  },
  STORE_AGREED_TO_CANCEL: {
    ko: () => ({ title: '취소 수락', body: '가게에서 취소를 수락했습니다. 환불이 진행 중입니다.' }),
    en: () => ({ title: 'Cancellation agreed', body: 'The store agreed to cancel; a refund is on its way.' }),
  },
  CANCELLED_PAID: {
    ko: (p) => ({ title: '주문이 취소되었습니다', body: `주문이 취소되고 ${p.refund}이 환불되었습니다.` }),
    en: (p) => ({ title: 'Order cancelled', body: `Your order was cancelled and ${p.refund} refunded.` }),
  },
  CANCELLED_UNPAID: {
    ko: () => ({ title: '주문이 취소되었습니다', body: '결제 전 주문이 취소되었습니다.' }),
    en: () => ({ title: 'Order cancelled', body: 'Your unpaid order was cancelled.' }),
  },
  EXPIRED_UNPAID: {
    ko: () => ({ title: '주문이 취소되었습니다', body: '결제 시간이 지나 주문이 취소되었습니다. 결제된 금액은 없습니다.' }),
    en: () => ({ title: 'Order cancelled', body: 'Your order was not paid in time and was cancelled. Nothing was charged.' }),
  },
  REFUNDED: {
    ko: (p) => ({ title: '환불 완료', body: `${p.refund}이 환불되었습니다.` }),
    en: (p) => ({ title: 'Refunded', body: `${p.refund} was refunded.` }),
  },
  STORE_REJECTED: {
    ko: (p) => ({ title: '주문 거절', body: `가게에서 주문을 거절했습니다: ${p.reason}. 환불이 진행 중입니다.` }),
    en: (p) => ({ title: 'Order rejected', body: `The store rejected your order: ${p.reason}. A refund is on its way.` }),
  },
  REJECTED: {
    ko: (p) => ({ title: '주문이 거절되었습니다', body: `가게에서 주문을 받을 수 없어 ${p.refund}이 환불되었습니다. (${p.reason})` }),
    en: (p) => ({ title: 'Order rejected', body: `The store could not take your order (${p.reason}); ${p.refund} was refunded.` }),
  },
  ACCEPTED: {
    ko: (p) => ({ title: '주문 수락', body: `가게에서 주문을 수락했습니다. 약 ${p.minutes}분 후 준비됩니다.` }),
    en: (p) => ({ title: 'Order accepted', body: `The store accepted your order; ready in about ${p.minutes} minutes.` }),
  },
  COOKING_STARTED: {
    ko: () => ({ title: '조리 시작', body: '가게에서 음식을 조리하기 시작했습니다.' }),
    en: () => ({ title: 'Cooking started', body: 'The store started cooking your order.' }),
  },
  COOKING_FINISHED: {
    ko: () => ({ title: '조리 완료', body: '음식이 준비되었습니다. 라이더를 찾고 있어요.' }),
    en: () => ({ title: 'Food ready', body: 'Your food is ready; we are finding a rider.' }),
  },
  DELIVERY_AVAILABLE: {
    ko: () => ({ title: '라이더 찾는 중', body: '근처 라이더를 찾고 있어요.' }),
    en: () => ({ title: 'Finding a rider', body: 'Looking for a rider nearby.' }),
  },
  PICKED_UP: {
    ko: (p) => ({ title: '배달 출발', body: `${p.rider} 라이더가 음식을 픽업해 배달 중입니다.` }),
    en: (p) => ({ title: 'On the way', body: `${p.rider} picked up your food and is on the way.` }),
  },
  DELIVERY_DECLINED: {
    ko: () => ({ title: '라이더 재배정 중', body: '라이더가 배달을 반납했어요. 다른 라이더를 찾고 있습니다.' }),
    en: () => ({ title: 'Finding another rider', body: 'Your rider gave the delivery back; we are finding another rider.' }),
  },
  OWNER_DELIVERY_DECLINED: {
    ko: () => ({ title: '배달 반납', body: '라이더가 배달을 반납했습니다. 음식은 다른 라이더를 기다립니다.' }),
    en: () => ({ title: 'Delivery given back', body: 'A rider gave a delivery back; the food waits for another rider.' }),
  },
  DELIVERY_COMPLETED: {
    ko: () => ({ title: '배달 완료', body: '배달이 완료되었습니다.' }),
    en: () => ({ title: 'Delivered', body: 'The delivery is complete.' }),
  },
  DELIVERY_WITHDRAWN: {
    ko: (p) => ({ title: '배달 취소', body: `배달이 취소되었습니다: ${p.reason}` }),
    en: (p) => ({ title: 'Delivery withdrawn', body: `The delivery was withdrawn: ${p.reason}.` }),
  },
  COMPLETED: {
    ko: () => ({ title: '배달 완료', body: '맛있게 드세요! 이용해 주셔서 감사합니다.' }),
    en: () => ({ title: 'Delivered', body: 'Enjoy your meal! Thank you for your order.' }),
  },
  OWNER_NEW_ORDER: {
    ko: (p) => ({ title: '새 주문', body: `새 주문이 들어왔습니다: ${p.items} (${p.total})` }),
    en: (p) => ({ title: 'New order', body: `New order: ${p.items} (${p.total})` }),
  },
  OWNER_CANCELLATION_REQUESTED: {
    ko: (p) => ({ title: '취소 요청', body: `고객이 주문 취소를 요청했습니다: ${p.reason}` }),
    en: (p) => ({ title: 'Cancellation request', body: `The customer asked to cancel an order: ${p.reason}` }),
  },
  OWNER_CANCELLED: {
    ko: () => ({ title: '주문 취소', body: '주문이 취소되고 환불되었습니다.' }),
    en: () => ({ title: 'Order cancelled', body: 'An order was cancelled and refunded.' }),
  },
  RIDER_DELIVERY_AVAILABLE: {
    ko: (p) => ({ title: '새 배달', body: `${p.region}에 새 배달이 있습니다. 픽업: ${p.pickup}` }),
    en: (p) => ({ title: 'New delivery', body: `New delivery in ${p.region}. Pick up at ${p.pickup}.` }),
  },
} satisfies Record<string, Record<Locale, Render>>;

export type MessageCode = keyof typeof MESSAGES;
export const MESSAGE_CODES = Object.keys(MESSAGES) as MessageCode[];

/** What happened, for someone to read: a code and its parameters. */
export interface CustomerMessage {
  code: MessageCode;
  params?: MessageParams;
}

export const renderMessage = (m: CustomerMessage, locale: Locale): Text => MESSAGES[m.code][locale](m.params ?? {});
