// Preact components the customer account and checkout surfaces share (both have the same Polaris
// web components; POS has its own set and does not use these).
const t = (key, values) => shopify.i18n.translate(key, values);

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
