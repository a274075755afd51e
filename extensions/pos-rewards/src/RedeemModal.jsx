// pos.customer-details.action.render: the member's rewards; redeeming one at the till applies its
// code to the cart (or, for store credit, says it is on the customer's account).
import '@shopify/ui-extensions/preact';
import {render} from 'preact';

import {usePerks, useRedeem} from '../../shared/hooks.js';
import {perks, points} from '../../shared/perks.js';
import {RewardRow} from '../../shared/rewards.jsx';
import {failure, tierLine} from './words.js';

export default async () => {
  render(<RedeemModal />, document.body);
};

const t = (key, values) => shopify.i18n.translate(key, values);

export function RedeemModal() {
  const customerId = shopify.customer.id;
  const member = usePerks(() => perks.posCustomer(customerId), [customerId]);
  const redemption = useRedeem((rewardId, key, spend) => perks.posRedeem(customerId, rewardId, key, spend));

  const redeem = async (rewardId, spend) => {
    const issued = await redemption.run(rewardId, spend);
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
            <s-text>{failure(member.error)}</s-text>
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
              {data.rewards.map((reward) => (
                <RewardRow key={reward.id} reward={reward} balance={data.points} currency={data.currency} redemption={redemption} onRedeem={redeem} />
              ))}
            </s-stack>
          </s-section>
        </s-stack>
      </s-scroll-box>
    </s-page>
  );
}
