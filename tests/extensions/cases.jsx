// The cases run.mjs renders: each extension's components with its surface's `shopify` global, against
// a fake Perks that answers the /surfaces endpoints in the shapes the launcher's answers have.
import {options, render} from 'preact';

import {ProfileBlock} from '../../extensions/customer-account-rewards/src/ProfileBlock.jsx';
import {RewardsPage} from '../../extensions/customer-account-rewards/src/RewardsPage.jsx';
import {CustomerBlock} from '../../extensions/pos-rewards/src/CustomerBlock.jsx';
import {RedeemModal} from '../../extensions/pos-rewards/src/RedeemModal.jsx';
import {OrderPoints} from '../../extensions/thank-you-points/src/OrderPoints.jsx';

// GET /proxy/member's shape (shopify_app/launcher/storefront.py MemberJson).
const MEMBER = {
  customer: {id: '7012345678901', first_name: 'Ada'},
  points: 1250,
  tier: {name: 'Silver', perks: ['Free shipping over $50'], next: {name: 'Gold', basis: 'points', remaining: 750, progress: 0.625}},
  rewards: [
    reward({id: 3, title: '$5 off', points_cost: 500, affordable: true}),
    reward({id: 4, title: '$10 store credit', kind: 'store_credit', points_cost: 1000, affordable: true}),
    reward({id: 5, title: 'Free tote bag', kind: 'free_product', points_cost: 2000, affordable: false}),
  ],
  codes: [
    {id: 9, code: 'PERKS-OLD1', title: '$5 off', state: 'issued', points: 500, value: '5.00', order_id: null, error: null, created_at: '2026-11-01T10:00:00+00:00', expires_at: null, used_at: '2026-11-02T10:00:00+00:00'},
  ],
  earn: [
    {key: 'purchase', title: '1 point per $1 spent', points: 1, per: 'currency_unit', network: null, url: null, done: false},
    {key: 'signup', title: 'Create an account', points: 100, per: 'once', network: null, url: null, done: true},
    {key: 'birthday', title: 'Birthday', points: 200, per: 'year', network: null, url: null, done: false},
  ],
  referral: {url: 'https://shop.example/?ref=ADA123', friends: 2, points_earned: 400},
  birthday: '03-14',
  history: [{at: '2026-11-20T09:30:00+00:00', points: 120, reason: 'Order #1001'}],
};

function reward(fields) {
  return {kind: 'fixed_amount', value: '5.00', variant_id: null, variant_title: null, minimum_order: null, limit_per_member: null, code_valid_days: 30,
    combines_with_order: false, combines_with_product: false, combines_with_shipping: true, min_points: null, max_points: null, step_points: null,
    step_value: null, enabled: true, archived: false, ...fields};
}

const ISSUED = {code: 'PERKS-NEW5', title: '$5 off', points_spent: 500, balance: 750, expires_at: '2027-01-05T00:00:00+00:00', state: 'issued'};
const KEY = /^[A-Za-z0-9._:-]{1,100}$/;

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// What a shopper reads: the text, and the headings the components take as attributes.
function rendered() {
  const headings = [...document.querySelectorAll('[heading]')].map((element) => element.getAttribute('heading'));
  return [...headings, document.body.textContent].join('\n');
}

// Every component preact has rendered since the case began (options.diffed is preact's public hook).
const diffed = [];
const listeners = new Set();
const previousDiffed = options.diffed;
options.diffed = (vnode) => {
  previousDiffed?.(vnode);
  if (typeof vnode.type === 'function') diffed.push(vnode.type);
  for (const listener of listeners) listener();
};

export function reset() {
  render(null, document.body);
  diffed.length = 0;
}

// Resolves when `check(rendered text)` holds, checked on each DOM mutation and each render; fails after 2 s.
function waitFor(check, what) {
  const done = () => check(rendered());
  if (done()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = () => {
      if (!done()) return;
      observer.disconnect();
      listeners.delete(settle);
      clearTimeout(timer);
      resolve();
    };
    const observer = new MutationObserver(settle);
    listeners.add(settle);
    const timer = setTimeout(() => {
      observer.disconnect();
      listeners.delete(settle);
      reject(new Error(`never rendered: ${what}`));
    }, 2000);
    observer.observe(document.body, {subtree: true, childList: true, characterData: true, attributes: true});
  });
}
const shows = (text) => waitFor((body) => body.includes(text), text);

function button(label) {
  const found = [...document.querySelectorAll('s-button')].filter((b) => b.textContent.trim() === label);
  assert(found.length, `no button "${label}"`);
  return found;
}
const press = (element) => element.dispatchEvent(new Event('click', {bubbles: true}));

// customer-account.page.render / profile.block.render: StandardApi (sessionToken, i18n, localization).
function customerAccount({i18n, setShopify}, language = 'en') {
  setShopify({
    extension: {target: 'customer-account.page.render'},
    sessionToken: {get: async () => 'customer-account-token'},
    i18n: i18n('customer-account-rewards', language),
    localization: {language: {value: {isoCode: language}}},
  });
}

export const cases = {
  async 'customer account page shows the balance, tier, rewards, ways to earn, referral, birthday and history'(env) {
    customerAccount(env);
    const perks = env.fakePerks({'GET /surfaces/member': [200, MEMBER]});
    env.setFetch(perks.fetch);
    render(<RewardsPage />, document.body);
    await shows('1,250 points');
    const text = rendered();
    for (const expected of ['Hi Ada', 'Silver', '750 points to reach Gold', '$5 off', 'Free tote bag', '750 more points',
      '1 point per $1 spent', '100 points, once', '200 points every year', 'https://shop.example/?ref=ADA123', 'Friends referred: 2 · Earned: 400 points',
      'March 14', 'Order #1001', '+120', 'PERKS-OLD1', 'Used']) {
      assert(text.includes(expected), `missing "${expected}"`);
    }
    assert(document.querySelector('s-progress').getAttribute('value') === '0.625', 'tier progress');
    assert(document.querySelector('s-clipboard-item').getAttribute('text') === MEMBER.referral.url, 'copy holds the referral link');
    const [request] = perks.requests;
    assert(request.path === '/surfaces/member' && request.url.startsWith('https://perks.example.com/'), request.url);
    assert(request.headers.Authorization === 'Bearer customer-account-token', 'session token sent');
    assert(request.locale === 'en', 'locale sent');
    const [, , tote] = button('Redeem');
    assert(tote.hasAttribute('disabled'), 'a reward the member cannot afford is not redeemable');
  },

  async 'customer account redemption shows the code; a retry after a failure sends the same Idempotency-Key, the next redemption a new one'(env) {
    customerAccount(env);
    const answers = [[502, {error: 'reward_not_issued', message: 'Shopify did not create your reward. Your 500 points are back.', balance: 1250}], [200, ISSUED], [200, ISSUED]];
    const perks = env.fakePerks({'GET /surfaces/member': [200, MEMBER], 'POST /surfaces/redeem': () => answers.shift()});
    env.setFetch(perks.fetch);
    render(<RewardsPage />, document.body);
    await shows('1,250 points');
    press(button('Redeem')[0]);
    await shows('Your 500 points are back.');
    press(button('Redeem')[0]);
    await shows('PERKS-NEW5');
    assert(rendered().includes('Your code for $5 off'), 'the code is announced');
    await waitFor(() => perks.requests.filter((r) => r.path === '/surfaces/member').length === 2, 'the member read again');
    press(button('Redeem')[0]);
    await waitFor(() => perks.requests.filter((r) => r.method === 'POST').length === 3, 'third redemption');
    const posts = perks.requests.filter((r) => r.method === 'POST');
    assert(posts.every((r) => r.path === '/surfaces/redeem' && r.body.reward_id === 3), 'reward_id posted');
    const keys = posts.map((r) => r.headers['Idempotency-Key']);
    assert(keys.every((key) => KEY.test(key)), `keys match Perks' pattern: ${keys}`);
    assert(keys[0] === keys[1] && keys[1] !== keys[2], `retry keeps the key, the next one is new: ${keys}`);
  },

  async 'customer account redemption of store credit says it is on the account'(env) {
    customerAccount(env);
    const perks = env.fakePerks({
      'GET /surfaces/member': [200, MEMBER],
      'POST /surfaces/redeem': [200, {...ISSUED, code: null, title: '$10 store credit', points_spent: 1000, balance: 250, expires_at: null}],
    });
    env.setFetch(perks.fetch);
    render(<RewardsPage />, document.body);
    await shows('1,250 points');
    press(button('Redeem')[1]);
    await shows('$10 store credit added to your store credit');
  },

  async 'customer account page in Romanian uses its plural forms'(env) {
    customerAccount(env, 'ro');
    env.setFetch(env.fakePerks({'GET /surfaces/member': [200, {...MEMBER, points: 1}]}).fetch);
    render(<RewardsPage />, document.body);
    await shows('1 punct');
    assert(rendered().includes('Punctele tale'), 'Romanian words');
  },

  async 'profile block shows the balance and links to the Rewards page'(env) {
    customerAccount(env);
    env.setFetch(env.fakePerks({'GET /surfaces/member': [200, MEMBER]}).fetch);
    render(<ProfileBlock />, document.body);
    await shows('1,250 points');
    assert(document.querySelector('s-link').getAttribute('href') === 'extension:perks-rewards-page/', 'links to the page extension');
  },

  async 'thank-you block: the points this order earns, the balance after, the next reward and the referral link'(env) {
    env.setShopify({
      extension: {target: 'purchase.thank-you.block.render'},
      sessionToken: {get: async () => 'checkout-token'},
      i18n: env.i18n('thank-you-points'),
      localization: {language: {value: {isoCode: 'en'}}},
      orderConfirmation: {value: {order: {id: 'gid://shopify/OrderIdentity/555'}, number: '1001', isFirstOrder: false}},
    });
    const order = {points: 120, credited: false, balance: 1370, next_reward: {title: '$10 off', remaining: 630}, referral: {url: 'https://shop.example/?ref=ADA123'}, guest: null};
    const perks = env.fakePerks({'GET /surfaces/orders/555': [200, order]});
    env.setFetch(perks.fetch);
    render(<OrderPoints orderId={shopify.orderConfirmation.value.order.id} />, document.body);
    await shows('This order earns you 120 points');
    for (const expected of ['Your balance after this order: 1,370 points', '630 points more for $10 off', 'https://shop.example/?ref=ADA123']) {
      assert(rendered().includes(expected), `missing "${expected}"`);
    }
    assert(perks.requests[0].headers.Authorization === 'Bearer checkout-token', 'checkout session token sent');
  },

  async 'thank-you block for a guest: the points waiting for an account with their email'(env) {
    env.setShopify({
      sessionToken: {get: async () => 'guest-checkout-token'},
      i18n: env.i18n('thank-you-points'),
      orderConfirmation: {value: {order: {id: 'gid://shopify/OrderIdentity/556'}}},
    });
    const guest = {points: 120, credited: false, balance: null, next_reward: null, referral: null, guest: {email: 'ada@example.com'}};
    env.setFetch(env.fakePerks({'GET /surfaces/orders/556': [200, guest]}).fetch);
    render(<OrderPoints orderId={shopify.orderConfirmation.value.order.id} />, document.body);
    await shows('120 points are waiting for you. Create an account with ada@example.com to collect them.');
  },

  async 'order status block: the points the order earned'(env) {
    env.setShopify({
      extension: {target: 'customer-account.order-status.block.render'},
      sessionToken: {get: async () => 'customer-account-token'},
      i18n: env.i18n('thank-you-points'),
      order: {value: {id: 'gid://shopify/Order/777', name: '#1001'}},
    });
    const order = {points: 1, credited: true, balance: 1251, next_reward: {title: '$5 off', remaining: 0}, referral: null, guest: null};
    const perks = env.fakePerks({'GET /surfaces/orders/777': [200, order]});
    env.setFetch(perks.fetch);
    render(<OrderPoints orderId={shopify.order.value.id} />, document.body);
    await shows('This order earned you 1 point');
    assert(rendered().includes('You can now redeem $5 off'), 'a reward within reach');
  },

  async 'thank-you block stays away when Perks cannot answer'(env) {
    env.setShopify({sessionToken: {get: async () => 't'}, i18n: env.i18n('thank-you-points')});
    const perks = env.fakePerks({'GET /surfaces/orders/1': [500, {error: 'server_error', message: 'Something went wrong.'}]});
    // Renders of OrderPoints after Perks answered: the one with the refusal.
    let answeredAt = null;
    env.setFetch((...request) => perks.fetch(...request).finally(() => (answeredAt = diffed.length)));
    render(<OrderPoints orderId="1" />, document.body);
    await waitFor(() => answeredAt !== null && diffed.slice(answeredAt).includes(OrderPoints), 'the refusal rendered');
    assert(perks.requests.length === 1 && rendered().trim() === '', 'nothing shown');
  },
};

// POS: StandardApi (session.getSessionToken, i18n, locale, toast) with CustomerApi, CartApi and ActionApi.
function pos({i18n, setShopify}) {
  const calls = {discounts: [], toasts: [], modals: 0};
  setShopify({
    extension: {target: 'pos.customer-details.block.render'},
    session: {currentSession: {shopDomain: 'shop.myshopify.com', locationId: 1}, getSessionToken: async () => 'pos-token'},
    i18n: i18n('pos-rewards'),
    locale: {value: 'en-US'},
    customer: {id: 42},
    cart: {addCartCodeDiscount: async (code) => calls.discounts.push(code)},
    toast: {show: (text) => calls.toasts.push(text)},
    action: {presentModal: () => (calls.modals += 1)},
  });
  return calls;
}

Object.assign(cases, {
  async 'POS block shows the balance and tier and opens the redeem modal'(env) {
    const calls = pos(env);
    const perks = env.fakePerks({'GET /surfaces/pos/customers/42': [200, MEMBER]});
    env.setFetch(perks.fetch);
    render(<CustomerBlock />, document.body);
    await shows('1,250 points');
    assert(rendered().includes('Tier: Silver · 750 points to reach Gold'), 'tier line');
    assert(perks.requests[0].headers.Authorization === 'Bearer pos-token', 'POS session token sent');
    assert(perks.requests[0].locale === 'en-US', 'POS locale sent');
    press(button('Redeem points')[0]);
    assert(calls.modals === 1, 'modal presented');
  },

  async 'POS modal redeems a reward and applies its code to the cart'(env) {
    const calls = pos(env);
    const perks = env.fakePerks({'GET /surfaces/pos/customers/42': [200, MEMBER], 'POST /surfaces/pos/customers/42/redeem': [200, ISSUED]});
    env.setFetch(perks.fetch);
    render(<RedeemModal />, document.body);
    await shows('1,250 points');
    press(button('Redeem')[0]);
    await shows('Code PERKS-NEW5 applied to the cart');
    await waitFor(() => calls.toasts.length === 1, 'the toast');
    const post = perks.requests.find((r) => r.method === 'POST');
    assert(post.body.reward_id === 3 && KEY.test(post.headers['Idempotency-Key']), 'redeem request');
    assert(calls.discounts.join() === 'PERKS-NEW5', `code applied once: ${calls.discounts}`);
    assert(calls.toasts.join() === 'Code PERKS-NEW5 applied to the cart', `toast: ${calls.toasts}`);
  },

  async 'POS modal for a customer who is not a member'(env) {
    pos(env);
    env.setFetch(env.fakePerks({}).fetch);
    render(<RedeemModal />, document.body);
    await shows('Not a rewards member yet');
  },
});
