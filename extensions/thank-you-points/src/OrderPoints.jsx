// What both targets show for one order, from GET /surfaces/orders/<id> (OrderPoints in Perks' storefront
// OpenAPI document): {state: earned | held | processing, points, balance, next_reward, referral}.
import {ReferralLink} from '../../shared/components.jsx';
import {usePerks} from '../../shared/hooks.js';
import {perks, points} from '../../shared/perks.js';

const t = (key, values) => shopify.i18n.translate(key, values);

// `email`: a guest's order is read with its email (the points wait for an account with it).
export function OrderPoints({orderId, email}) {
  const order = usePerks(() => perks.order(orderId, email), [orderId, email]);
  // A thank-you page is no place for an error the shopper cannot act on: the block stays away, and so it
  // does while Perks has not seen the order paid yet (state "processing": no points to tell of).
  if (order.status === 'error' || !order.data || order.data.points <= 0) return null;
  const data = order.data;
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
          <s-text type="strong">{t('order_earned', {points: points(data.points)})}</s-text>
          {data.balance === null ? null : <s-text>{t('balance_after', {points: points(data.balance)})}</s-text>}
          {/* The cheapest reward the balance does not reach yet. */}
          {data.next_reward ? (
            <s-text color="subdued">{t('next_reward', {points: points(data.next_reward.remaining), title: data.next_reward.title})}</s-text>
          ) : null}
        </s-stack>
        {data.referral ? <ReferralLink url={data.referral.url} /> : null}
      </s-stack>
    </s-section>
  );
}
