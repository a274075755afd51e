// The Rewards page's tier (the only surface that shows the ladder).
import {points} from '../../shared/perks.js';

const t = (key, values) => shopify.i18n.translate(key, values);

// The tier held and how far the next one is, as the launcher says it: in points, or in the shop's
// currency where the ladder counts money spent (in whole units).
export function TierProgress({tier, currency}) {
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
              ? t('next_tier_spend', {amount: wholeMoney(next.remaining, currency), tier: next.name})
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

function wholeMoney(amount, currency) {
  return shopify.i18n.formatCurrency(amount, {currency, minimumFractionDigits: 0, maximumFractionDigits: 0});
}
