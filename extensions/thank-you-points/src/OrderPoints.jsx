// What both targets show for one order, from GET /surfaces/orders/<id> (OrderPoints in Perks' storefront
// OpenAPI document): {state: earned | held | processing, points, balance, next_reward, referral}.
import {useEffect, useState} from 'preact/hooks';

import {ReferralLink} from '../../shared/components.jsx';
import {usePerks} from '../../shared/hooks.js';
import {perks, points} from '../../shared/perks.js';

const t = (key, values) => shopify.i18n.translate(key, values);

// The thank-you page usually comes before Shopify's orders/paid webhook reaches Perks: while the order is
// "processing" it is read again after each of these waits (about two minutes in all), then left as it is.
export const REREAD_AFTER_MS = [2000, 4000, 8000, 15000, 30000, 60000];

// `email`: a guest's order is read with its email (the points wait for an account with it).
export function OrderPoints({orderId, email, rereadAfterMs = REREAD_AFTER_MS}) {
  const order = usePerks(() => perks.order(orderId, email), [orderId, email]);
  const processing = order.data?.state === 'processing';
  const [rereads, setRereads] = useState(0);
  useEffect(() => {
    if (!processing || rereads >= rereadAfterMs.length) return undefined;
    const timer = setTimeout(() => {
      setRereads(rereads + 1);
      order.reload();
    }, rereadAfterMs[rereads]);
    return () => clearTimeout(timer);
  }, [processing, rereads]);

  // A thank-you page is no place for an error the shopper cannot act on: the block stays away, and so it
  // does for an order that earned nothing, and for a guest's order Perks has not seen yet.
  const data = order.data;
  if (order.status === 'error' || !data) return null;
  if (processing ? data.balance === null : data.points <= 0) return null;
  if (data.state === 'held') {
    return (
      <s-banner heading={t('title')}>
        <s-text>{t('guest_waiting', {points: points(data.points), email})}</s-text>
      </s-banner>
    );
  }
  return (
    <s-section heading={t('title')}>
      <s-stack gap="base">
        <s-stack gap="small-300">
          {processing ? (
            <>
              <s-text type="strong">{t('order_pending')}</s-text>
              <s-text>{t('balance_now', {points: points(data.balance)})}</s-text>
            </>
          ) : (
            <>
              <s-text type="strong">{t('order_earned', {points: points(data.points)})}</s-text>
              <s-text>{t('balance_after', {points: points(data.balance)})}</s-text>
            </>
          )}
          {/* The cheapest reward the balance does not reach yet. */}
          {data.next_reward ? (
            <s-text color="subdued">{t('next_reward', {points: points(data.next_reward.remaining), title: data.next_reward.title})}</s-text>
          ) : null}
        </s-stack>
        {data.referral ? <ReferralLink url={data.referral.url} shop={shopify.shop.name} /> : null}
      </s-stack>
    </s-section>
  );
}
