// Preact components the customer account and checkout surfaces share (both have the same Polaris
// web components; POS has its own set and does not use these).
const t = (key, values) => shopify.i18n.translate(key, values);

// The member's referral link, with a button that copies it and the places to share it the launcher offers
// (by email, on X, Facebook and WhatsApp), each with the shop's "a gift for you" message.
export function ReferralLink({url, shop, id = 'perks-referral-link'}) {
  if (!url) return null;
  return (
    <s-stack gap="small-200">
      <s-text type="strong">{t('ref_link')}</s-text>
      <s-stack direction="inline" gap="small-200" alignItems="center">
        <s-text>{url}</s-text>
        <s-clipboard-item id={id} text={url} />
        <s-button variant="secondary" command="--copy" commandFor={id}>
          {t('copy')}
        </s-button>
      </s-stack>
      <s-stack direction="inline" gap="base" alignItems="center">
        <s-text color="subdued">{t('share')}</s-text>
        {shareLinks(url, t('share_msg', {shop})).map(([name, href]) => (
          <s-link key={name} href={href} target="_blank">
            {name}
          </s-link>
        ))}
      </s-stack>
    </s-stack>
  );
}

function shareLinks(url, message) {
  const e = encodeURIComponent;
  return [
    [t('email'), `mailto:?subject=${e(message)}&body=${e(`${message} ${url}`)}`],
    ['X', `https://x.com/intent/post?text=${e(message)}&url=${e(url)}`],
    ['Facebook', `https://www.facebook.com/sharer/sharer.php?u=${e(url)}`],
    ['WhatsApp', `https://wa.me/?text=${e(`${message} ${url}`)}`],
  ];
}
