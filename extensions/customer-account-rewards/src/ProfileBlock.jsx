// customer-account.profile.block.render: the balance on the profile page, linking to the Rewards page.
import '@shopify/ui-extensions/preact';
import {render} from 'preact';

import {usePerks} from '../../shared/hooks.js';
import {perks, points} from '../../shared/perks.js';

export default async () => {
  render(<ProfileBlock />, document.body);
};

const t = (key, values) => shopify.i18n.translate(key, values);

export function ProfileBlock() {
  const member = usePerks(perks.member);
  if (member.status === 'error') return <s-banner tone="critical" heading={member.error.message} />;
  if (!member.data) return <s-skeleton-paragraph />;
  return (
    <s-section heading={t('button')}>
      <s-stack direction="inline" gap="base" justifyContent="space-between" alignItems="center">
        <s-stack gap="none">
          <s-text color="subdued">{t('balance')}</s-text>
          <s-text type="strong">{points(member.data.points)}</s-text>
          {member.data.tier?.name ? <s-badge>{member.data.tier.name}</s-badge> : null}
        </s-stack>
        {/* extension:<handle>/ is how customer accounts address an app's full page (the page's extension handle). */}
        <s-link href="extension:perks-rewards-page/">{t('view')}</s-link>
      </s-stack>
    </s-section>
  );
}
