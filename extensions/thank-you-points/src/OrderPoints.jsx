// What both targets show for one order, from GET /surfaces/orders/<id>:
// {points, credited, balance, next_reward: {title, remaining} | null, referral: {url} | null, guest: {email} | null}.
import {ReferralLink} from '../../shared/components.jsx';
import {usePerks} from '../../shared/hooks.js';
import {perks, points} from '../../shared/perks.js';

const t = (key, values) => shopify.i18n.translate(key, values);

export function OrderPoints({orderId}) {
  const order = usePerks(() => perks.order(orderId), [orderId]);
  // A thank-you page is no place for an error the shopper cannot act on: the block stays away.
  if (order.status === 'error' || !order.data || order.data.points <= 0) return null;
  const data = order.data;
  if (data.guest) {
    return (
      <s-banner heading={t('title')}>
        <s-text>{t('guest_waiting', {points: points(data.points), email: data.guest.email})}</s-text>
      </s-banner>
    );
  }
  return (
    <s-section heading={t('title')}>
      <s-stack gap="base">
        <s-stack gap="small-300">
          <s-text type="strong">{t(data.credited ? 'order_earned' : 'order_earns', {points: points(data.points)})}</s-text>
          {data.balance === null ? null : <s-text>{t('balance_after', {points: points(data.balance)})}</s-text>}
          {data.next_reward ? (
            <s-text color="subdued">
              {data.next_reward.remaining > 0
                ? t('next_reward', {points: points(data.next_reward.remaining), title: data.next_reward.title})
                : t('reward_ready', {title: data.next_reward.title})}
            </s-text>
          ) : null}
        </s-stack>
        {data.referral ? <ReferralLink url={data.referral.url} /> : null}
      </s-stack>
    </s-section>
  );
}
