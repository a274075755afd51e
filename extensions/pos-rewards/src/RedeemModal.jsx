// pos.customer-details.action.render: the member's rewards; redeeming one at the till applies its
// code to the cart (or, for store credit, says it is on the customer's account).
import '@shopify/ui-extensions/preact';
import {render} from 'preact';

import {usePerks, useRedeem} from '../../shared/hooks.js';
import {perks, points} from '../../shared/perks.js';
import {tierLine} from './words.js';

export default async () => {
  render(<RedeemModal />, document.body);
};

const t = (key, values) => shopify.i18n.translate(key, values);

export function RedeemModal() {
  const customerId = shopify.customer.id;
  const member = usePerks(() => perks.posCustomer(customerId), [customerId]);
  const redemption = useRedeem((rewardId, key) => perks.posRedeem(customerId, rewardId, key));

  const redeem = async (rewardId) => {
    const issued = await redemption.run(rewardId);
    if (!issued) return;
    if (issued.code) {
      await shopify.cart.addCartCodeDiscount(issued.code);
      shopify.toast.show(t('applied', {code: issued.code}));
    } else {
      shopify.toast.show(t('credit', {title: issued.title}));
    }
    member.reload();
  };

  if (member.status === 'error') {
    return (
      <s-page heading={t('title')}>
        <s-scroll-box>
          <s-section>
            <s-text>{member.error.message}</s-text>
            <s-button onClick={member.reload}>{t('retry')}</s-button>
          </s-section>
        </s-scroll-box>
      </s-page>
    );
  }
  if (!member.data) {
    return (
      <s-page heading={t('title')}>
        <s-text color="subdued">{t('loading')}</s-text>
      </s-page>
    );
  }
  const data = member.data;
  // Points-for-money rewards need an amount picked; at the till a fixed reward is redeemed.
  const rewards = data.rewards.filter((reward) => reward.kind !== 'points_for_money');
  return (
    <s-page heading={t('title')}>
      <s-scroll-box>
        <s-stack direction="block" gap="base">
          <s-section heading={t('balance')}>
            <s-stack direction="block" gap="small-200">
              <s-text type="strong">{points(data.points)}</s-text>
              {data.tier ? <s-text color="subdued">{tierLine(data.tier)}</s-text> : null}
            </s-stack>
          </s-section>
          {redemption.error ? <s-banner tone="critical" heading={redemption.error.message} /> : null}
          {redemption.issued ? (
            <s-banner
              tone="success"
              heading={redemption.issued.code ? t('applied', {code: redemption.issued.code}) : t('credit', {title: redemption.issued.title})}
            />
          ) : null}
          <s-section heading={t('redeem_title')}>
            <s-stack direction="block" gap="small-200">
              {rewards.map((reward) => (
                <s-stack key={reward.id} direction="inline" gap="base" justifyContent="space-between" alignItems="center">
                  <s-stack direction="block" gap="none">
                    <s-text type="strong">{reward.title}</s-text>
                    <s-text color="subdued">
                      {reward.affordable
                        ? points(reward.points_cost)
                        : t('more', {count: reward.points_cost - data.points, n: shopify.i18n.formatNumber(reward.points_cost - data.points)})}
                    </s-text>
                  </s-stack>
                  <s-button
                    variant={reward.affordable ? 'primary' : 'secondary'}
                    disabled={!reward.affordable || redemption.busy !== null}
                    loading={redemption.busy === reward.id}
                    onClick={() => redeem(reward.id)}
                  >
                    {t('redeem')}
                  </s-button>
                </s-stack>
              ))}
            </s-stack>
          </s-section>
        </s-stack>
      </s-scroll-box>
    </s-page>
  );
}
