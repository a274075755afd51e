// The POS targets' shared words: the tier line under the balance (GET /surfaces/pos/customers/<id>
// names the tier held, or null below the first tier).
export const tierLine = (tier) => shopify.i18n.translate('tier', {tier});
