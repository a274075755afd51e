// The POS targets' shared words: the tier line under the balance (GET /surfaces/pos/customers/<id>
// names the tier held, or null below the first tier), and why Perks could not be read.
export const tierLine = (tier) => shopify.i18n.translate('tier', {tier});

// POS gives no session token to a staff account the store owner has not allowed to use the app: that
// account is told what to ask for; any other failure says what Perks or the network said.
export const failure = (error) => (error.error === 'no_session' ? shopify.i18n.translate('no_access') : error.message);
