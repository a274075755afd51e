// customer-account.page.render: the member's rewards page in new customer accounts.
import '@shopify/ui-extensions/preact';
import {render} from 'preact';
import {useState} from 'preact/hooks';

import {ReferralLink} from '../../shared/components.jsx';
import {usePerks, useRedeem} from '../../shared/hooks.js';
import {perks, points} from '../../shared/perks.js';
import {RewardRow} from '../../shared/rewards.jsx';
import {TierProgress} from './TierProgress.jsx';

export default async () => {
  render(<RewardsPage />, document.body);
};

const t = (key, values) => shopify.i18n.translate(key, values);

export function RewardsPage() {
  const member = usePerks(perks.member);
  const redemption = useRedeem(perks.redeem);
  // Points are spent only once the shopper has said yes to what and for how many, as in the launcher.
  const [asked, setAsked] = useState(null);
  const redeem = async ({rewardId, spend}) => {
    setAsked(null);
    // The new balance and the new code in "Your codes" come from Perks, not from arithmetic here.
    if (await redemption.run(rewardId, spend)) member.reload();
  };

  if (member.status === 'error') {
    return (
      <s-page heading={t('title')}>
        <s-banner tone="critical" heading={member.error.message}>
          <s-button onClick={member.reload}>{t('retry')}</s-button>
        </s-banner>
      </s-page>
    );
  }
  if (!member.data) {
    return (
      <s-page heading={t('title')}>
        <s-section accessibilityLabel={t('loading')}>
          <s-skeleton-paragraph />
        </s-section>
      </s-page>
    );
  }
  const data = member.data;
  return (
    <s-page heading={t('title')}>
      <s-stack gap="base">
        <s-section heading={data.customer.first_name ? t('hi', {name: data.customer.first_name}) : t('hi_anon')}>
          <s-stack gap="base">
            <s-stack gap="small-300">
              <s-text color="subdued">{t('balance')}</s-text>
              <s-heading>{points(data.points)}</s-heading>
            </s-stack>
            <TierProgress tier={data.tier} currency={data.shop.currency} />
          </s-stack>
        </s-section>
        <Issued redemption={redemption} />
        <s-section heading={t('redeem_title')}>
          <s-stack gap="base">
            {asked ? <Confirm asked={asked} rewards={data.rewards} onYes={() => redeem(asked)} onNo={() => setAsked(null)} /> : null}
            {data.rewards.map((reward) => (
              <RewardRow
                key={reward.id}
                reward={reward}
                balance={data.points}
                currency={data.shop.currency}
                redemption={redemption}
                onRedeem={(rewardId, spend) => setAsked({rewardId, spend})}
              />
            ))}
          </s-stack>
        </s-section>
        {data.codes.length ? <Codes codes={data.codes} /> : null}
        <s-section heading={t('earn_title')}>
          <s-stack gap="small-200">
            {data.earn.map((way) => (
              <s-stack key={way.key} direction="inline" gap="small-200" justifyContent="space-between">
                <s-text>{way.title}</s-text>
                <s-stack direction="inline" gap="small-200">
                  <s-text color="subdued">{limit(way)}</s-text>
                  {way.done ? <s-badge tone="neutral">{t('completed')}</s-badge> : null}
                </s-stack>
              </s-stack>
            ))}
          </s-stack>
        </s-section>
        {data.referral ? (
          <s-section heading={t('referral_title')}>
            <s-stack gap="small-200">
              <ReferralLink url={data.referral.url} shop={data.shop.name} />
              <s-text color="subdued">
                {t('ref_stats', {friends: shopify.i18n.formatNumber(data.referral.friends), points: points(data.referral.points_earned)})}
              </s-text>
            </s-stack>
          </s-section>
        ) : null}
        <s-section heading={t('birthday')}>
          {data.birthday ? <s-text>{birthday(data.birthday)}</s-text> : <BirthdayForm onSaved={member.reload} />}
        </s-section>
        {data.history.length ? (
          <s-section heading={t('history_title')}>
            <s-stack gap="small-200">
              {data.history.map((entry) => (
                <s-stack key={`${entry.at}-${entry.reason}`} direction="inline" gap="small-200" justifyContent="space-between">
                  <s-stack gap="none">
                    <s-text>{entry.reason}</s-text>
                    <s-text color="subdued">{shopify.i18n.formatDate(new Date(entry.at))}</s-text>
                  </s-stack>
                  <s-text type="strong">{`${entry.points > 0 ? '+' : ''}${shopify.i18n.formatNumber(entry.points)}`}</s-text>
                </s-stack>
              ))}
            </s-stack>
          </s-section>
        ) : null}
      </s-stack>
    </s-page>
  );
}

// What an earn way gives and how often it pays: a purchase every time (its title says per what), the others
// `limit.count` times a day, month or year, or in all ("ever").
function limit(way) {
  if (!way.limit) return points(way.points);
  const {count, period} = way.limit;
  return t(`limit_${period}`, {count, n: shopify.i18n.formatNumber(count), points: points(way.points)});
}

function birthday(monthDay) {
  const [month, day] = monthDay.split('-').map(Number);
  // A leap year, so 02-29 is a date; only the month and day are shown.
  return shopify.i18n.formatDate(new Date(Date.UTC(2024, month - 1, day)), {month: 'long', day: 'numeric', timeZone: 'UTC'});
}

// Not given yet: a date to pick (its month and day are kept), as the launcher asks for it.
function BirthdayForm({onSaved}) {
  const [date, setDate] = useState('');
  const [saving, setSaving] = useState({busy: false, error: null});
  const save = async () => {
    setSaving({busy: true, error: null});
    try {
      await perks.birthday(date.slice(5));
      onSaved();
    } catch (error) {
      setSaving({busy: false, error});
    }
  };
  return (
    <s-stack gap="small-200">
      <s-text color="subdued">{t('birthday_unset')}</s-text>
      <s-stack direction="inline" gap="small-200" alignItems="end">
        <s-date-field label={t('birthday')} value={date} onChange={(event) => setDate(event.currentTarget.value)} />
        <s-button onClick={save} disabled={!date || saving.busy} loading={saving.busy}>
          {t('save')}
        </s-button>
      </s-stack>
      {saving.error ? <s-text tone="critical">{saving.error.message}</s-text> : null}
    </s-stack>
  );
}

// "Redeem $10 store credit for 1,000 points?", with the yes that spends them and the no that does not.
function Confirm({asked, rewards, onYes, onNo}) {
  const reward = rewards.find((r) => r.id === asked.rewardId);
  if (!reward) return null;
  return (
    <s-banner heading={t('confirm', {title: reward.title, points: points(asked.spend ?? reward.points_cost)})}>
      <s-stack direction="inline" gap="small-200">
        <s-button onClick={onYes}>{t('yes')}</s-button>
        <s-button variant="secondary" onClick={onNo}>
          {t('cancel')}
        </s-button>
      </s-stack>
    </s-banner>
  );
}

// What the last redemption issued: a code to copy, or store credit already on the account; or why not.
function Issued({redemption}) {
  if (redemption.error) return <s-banner tone="critical" heading={redemption.error.message} />;
  const issued = redemption.issued;
  if (!issued) return null;
  if (!issued.code) return <s-banner tone="success" heading={t('credit', {title: issued.title})} />;
  return (
    <s-banner tone="success" heading={t('success', {title: issued.title})}>
      <s-stack direction="inline" gap="small-200" alignItems="center">
        <s-text type="strong">{issued.code}</s-text>
        <s-clipboard-item id="perks-issued-code" text={issued.code} />
        <s-button variant="secondary" command="--copy" commandFor="perks-issued-code">
          {t('copy')}
        </s-button>
      </s-stack>
      {issued.expires_at ? <s-text color="subdued">{t('expires', {date: shopify.i18n.formatDate(new Date(issued.expires_at))})}</s-text> : null}
    </s-banner>
  );
}

function Codes({codes}) {
  return (
    <s-section heading={t('codes_title')}>
      <s-stack gap="small-200">
        {codes.map((code) => (
          <s-stack key={code.id} direction="inline" gap="small-200" justifyContent="space-between">
            <s-stack gap="none">
              <s-text>{code.title}</s-text>
              {code.code ? <s-text type="strong">{code.code}</s-text> : null}
            </s-stack>
            {code.used_at ? (
              <s-badge tone="neutral">{t('used')}</s-badge>
            ) : code.expires_at && new Date(code.expires_at) < new Date() ? (
              <s-badge tone="critical">{t('expired')}</s-badge>
            ) : code.expires_at ? (
              <s-text color="subdued">{t('expires', {date: shopify.i18n.formatDate(new Date(code.expires_at))})}</s-text>
            ) : null}
          </s-stack>
        ))}
      </s-stack>
    </s-section>
  );
}
