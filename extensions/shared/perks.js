// What the three UI extensions (customer account, thank-you/order status, POS) share: where Perks is,
// how each surface's session token reaches it, and the words every surface writes the same way.
// The Shopify CLI bundles this file into each extension (esbuild follows the relative import).

// shopify.app.toml's application_url, without its trailing slash (tests/test_shopify_cli.py checks they agree).
export const APP_URL = 'https://perks.example.com';

// Customer account and checkout surfaces give `shopify.sessionToken`; POS gives `shopify.session`.
export async function sessionToken() {
  const token = shopify.sessionToken
    ? await shopify.sessionToken.get()
    : await shopify.session.getSessionToken();
  if (!token) throw new PerksError(0, 'no_session', shopify.i18n.translate('error'));
  return token;
}

export class PerksError extends Error {
  constructor(status, error, message, body = {}) {
    super(message);
    this.status = status;
    this.error = error;
    this.body = body;
  }
}

// The surface's language, for the words Perks writes itself (reward titles, history reasons), as the launcher's ?locale=.
function locale() {
  return (
    shopify.localization?.language?.value?.isoCode ??
    (typeof shopify.locale === 'string' ? shopify.locale : shopify.locale?.value) ??
    'en'
  );
}

async function call(method, path, {body, idempotencyKey} = {}) {
  const headers = {Authorization: `Bearer ${await sessionToken()}`, Accept: 'application/json'};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  const separator = path.includes('?') ? '&' : '?';
  let response;
  try {
    response = await fetch(`${APP_URL}${path}${separator}locale=${encodeURIComponent(locale())}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new PerksError(0, 'network', shopify.i18n.translate('error'));
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new PerksError(response.status, data.error ?? 'http', data.message ?? shopify.i18n.translate('error'), data);
  }
  return data;
}

// The numeric id at the end of a Shopify GID ("gid://shopify/Order/123" → "123"); ids already numeric pass through.
export function numericId(id) {
  return String(id ?? '').split('/').pop();
}

// One key per intended redemption: a retry of the same one sends it again and Perks answers the same code.
export function idempotencyKey() {
  const random = globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `ext-${random}`;
}

// RedeemBody: `points` only for a points-for-money reward, how many to spend on it.
const redeemBody = (rewardId, points) => (points === undefined ? {reward_id: rewardId} : {reward_id: rewardId, points});

export const perks = {
  member: () => call('GET', '/surfaces/member'),
  redeem: (rewardId, key, points) => call('POST', '/surfaces/redeem', {body: redeemBody(rewardId, points), idempotencyKey: key}),
  birthday: (monthDay) => call('POST', '/surfaces/birthday', {body: {date: monthDay}}),
  order: (orderId, email) =>
    call('GET', `/surfaces/orders/${encodeURIComponent(numericId(orderId))}${email ? `?email=${encodeURIComponent(email)}` : ''}`),
  posCustomer: (customerId) => call('GET', `/surfaces/pos/customers/${encodeURIComponent(numericId(customerId))}`),
  posRedeem: (customerId, rewardId, key, points) =>
    call('POST', `/surfaces/pos/customers/${encodeURIComponent(numericId(customerId))}/redeem`, {
      body: redeemBody(rewardId, points),
      idempotencyKey: key,
    }),
};

// "1 point" / "250 points" in the surface's language (locales/*.json `points` holds the plural forms).
export function points(count) {
  return shopify.i18n.translate('points', {count, n: shopify.i18n.formatNumber(count)});
}
