// Preact components the customer account and checkout surfaces share (both have the same Polaris
// web components; POS has its own set and does not use these).
import {points} from './perks.js';

const t = (key, values) => shopify.i18n.translate(key, values);

// The tier held and how far the next one is, as the launcher says it.
export function TierProgress({tier}) {
  if (!tier) return null;
  const next = tier.next;
  return (
    <s-stack gap="small-200">
      {tier.name ? <s-badge>{tier.name}</s-badge> : null}
      {next ? (
        <s-stack gap="small-300">
          <s-progress value={next.progress} max={1} accessibilityLabel={next.name} />
          <s-text color="subdued">
            {next.basis === 'spend'
              ? t('next_tier_spend', {amount: shopify.i18n.formatNumber(next.remaining), tier: next.name})
              : t('next_tier', {points: points(next.remaining), tier: next.name})}
          </s-text>
        </s-stack>
      ) : (
        <s-text color="subdued">{t('top_tier')}</s-text>
      )}
      {tier.perks.length ? (
        <s-unordered-list>
          {tier.perks.map((perk) => (
            <s-list-item key={perk}>{perk}</s-list-item>
          ))}
        </s-unordered-list>
      ) : null}
    </s-stack>
  );
}

// The member's referral link, with a button that copies it to share.
export function ReferralLink({url, id = 'perks-referral-link'}) {
  if (!url) return null;
  return (
    <s-stack gap="small-200">
      <s-text type="strong">{t('ref_link')}</s-text>
      <s-stack direction="inline" gap="small-200" alignItems="center">
        <s-text>{url}</s-text>
        <s-clipboard-item id={id} text={url} />
        <s-button variant="secondary" command="--copy" commandFor={id} accessibilityLabel={t('share')}>
          {t('copy')}
        </s-button>
      </s-stack>
    </s-stack>
  );
}
