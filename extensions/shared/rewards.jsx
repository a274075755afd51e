// A reward as the customer account page and POS both show it (both surfaces' Polaris components take
// these, with every stack's direction given): its price and how it is redeemed.
import {useState} from 'preact/hooks';

import {points} from './perks.js';

const t = (key, values) => shopify.i18n.translate(key, values);

// A reward's row: its title and price, and its Redeem button, or for points-for-money the points to spend.
export function RewardRow({reward, balance, currency, redemption, onRedeem}) {
  const title = (
    <s-stack direction="block" gap="none">
      <s-text type="strong">{reward.title}</s-text>
      <s-text color="subdued">{price(reward, balance, currency)}</s-text>
    </s-stack>
  );
  if (reward.kind === 'points_for_money' && reward.affordable) {
    return (
      <s-stack direction="block" gap="small-200">
        {title}
        <SpendPoints reward={reward} balance={balance} currency={currency} busy={redemption.busy} onRedeem={onRedeem} />
      </s-stack>
    );
  }
  return (
    <s-stack direction="inline" gap="base" justifyContent="space-between" alignItems="center">
      {title}
      <s-button
        variant={reward.affordable ? 'primary' : 'secondary'}
        disabled={!reward.affordable || redemption.busy !== null}
        loading={redemption.busy === reward.id}
        onClick={() => onRedeem(reward.id)}
      >
        {t('redeem')}
      </s-button>
    </s-stack>
  );
}

// What a reward costs: its points (points-for-money: what each step of points buys), or the points still to earn.
export function price(reward, balance, currency) {
  const cost = reward.min_points ?? reward.points_cost;
  if (cost > balance) return t('more', {count: cost - balance, n: shopify.i18n.formatNumber(cost - balance)});
  if (reward.kind !== 'points_for_money') return points(reward.points_cost);
  return t('per_step', {money: shopify.i18n.formatCurrency(Number(reward.step_value), {currency}), points: points(reward.step_points)});
}

// A points-for-money reward ("every 100 points buy $1 off", from min_points up to max_points): the points to
// spend, picked in a number field, what they are worth, and the button that redeems them, as the launcher
// offers it. POS's number field has no `step`, so the steps are checked here (and by Perks again).
export function SpendPoints({reward, balance, currency, busy, onRedeem}) {
  const step = reward.step_points;
  const low = reward.min_points ?? step;
  const high = Math.floor(Math.min(reward.max_points ?? balance, balance) / step) * step;
  const [spend, setSpend] = useState(low);
  const valid = Number.isInteger(spend) && spend >= low && spend <= high && spend % step === 0;
  // In cents, so the sum is exact; shown only, Perks works the value out itself.
  const worth = (Math.round(Number(reward.step_value) * 100) * Math.floor(spend / step)) / 100;
  return (
    <s-stack direction="inline" gap="small-200" alignItems="end">
      <s-number-field
        label={t('amount')}
        value={String(spend)}
        min={low}
        max={high}
        details={valid ? t('worth', {money: shopify.i18n.formatCurrency(worth, {currency})}) : undefined}
        error={valid ? undefined : t('spend_rule', {low: points(low), high: points(high), step: points(step)})}
        onInput={(event) => setSpend(Number(event.currentTarget.value))}
      />
      <s-button variant="primary" disabled={!valid || busy !== null} loading={busy === reward.id} onClick={() => onRedeem(reward.id, spend)}>
        {t('redeem')}
      </s-button>
    </s-stack>
  );
}
