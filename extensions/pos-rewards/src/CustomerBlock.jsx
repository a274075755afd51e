// pos.customer-details.block.render: the member's balance and tier on the customer's details, with a
// button to the redeem modal.
import '@shopify/ui-extensions/preact';
import {render} from 'preact';

import {usePerks} from '../../shared/hooks.js';
import {perks, points} from '../../shared/perks.js';
import {failure, tierLine} from './words.js';

export default async () => {
  render(<CustomerBlock />, document.body);
};

const t = (key, values) => shopify.i18n.translate(key, values);

export function CustomerBlock() {
  const member = usePerks(() => perks.posCustomer(shopify.customer.id), [shopify.customer.id]);
  return (
    <s-pos-block heading={t('title')}>
      {member.status === 'error' ? (
        <s-text>{failure(member.error)}</s-text>
      ) : member.data ? (
        <s-stack direction="block" gap="small-200">
          <s-text type="strong">{points(member.data.points)}</s-text>
          {member.data.tier ? <s-text color="subdued">{tierLine(member.data.tier)}</s-text> : null}
        </s-stack>
      ) : (
        <s-text color="subdued">{t('loading')}</s-text>
      )}
      {member.data ? (
        <s-button slot="secondary-actions" onClick={() => shopify.action.presentModal()}>
          {t('open')}
        </s-button>
      ) : null}
    </s-pos-block>
  );
}
