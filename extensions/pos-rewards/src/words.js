// The POS targets' shared words: the member's tier line under the balance.
import {points} from '../../shared/perks.js';

const t = (key, values) => shopify.i18n.translate(key, values);

export function tierLine(tier) {
  if (!tier) return null;
  const next = tier.next;
  const held = tier.name ? t('tier', {tier: tier.name}) : null;
  const ahead = !next
    ? t('top_tier')
    : next.basis === 'spend'
      ? t('next_tier_spend', {amount: shopify.i18n.formatNumber(next.remaining), tier: next.name})
      : t('next_tier', {points: points(next.remaining), tier: next.name});
  return held ? `${held} · ${ahead}` : ahead;
}

// A customer POS shows who is not a member yet: Perks answers 404 for them.
export const notMember = (error) => error?.status === 404;
