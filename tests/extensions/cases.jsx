// The cases run.mjs renders: each extension's components with its surface's `shopify` global, against
// the real Perks app (test_ui_extensions.py seeds it; `env.surfaces` holds its session tokens and ids):
// Ada is Silver with 1,250 points from her order surfaces.orders.member, Bea and Cy have 1,250 points to spend, Eve 1,
// Dan 600, Gus 1,000 and Ivy 500 at the till, Hal 700 in his account, Nobody none; the guest's order waits with 120 points; Fay's order is
// placed and not yet paid in Perks (env.pay(order) pays it, as orders/paid would). Reviews pay 50 points up
// to 3 times a month, a share 10 once a day, the birthday 100 once a year and the newsletter 30 once.
// Besides the fixed rewards, "$1 off per 100 points" takes 200 to 1,000 points.
import {readFileSync} from 'node:fs';

import {options, render} from 'preact';

import {ProfileBlock} from '../../extensions/customer-account-rewards/src/ProfileBlock.jsx';
import {RewardsPage} from '../../extensions/customer-account-rewards/src/RewardsPage.jsx';
import {CustomerBlock} from '../../extensions/pos-rewards/src/CustomerBlock.jsx';
import {MenuItem} from '../../extensions/pos-rewards/src/MenuItem.jsx';
import {RedeemModal} from '../../extensions/pos-rewards/src/RedeemModal.jsx';
import {APP_URL} from '../../extensions/shared/perks.js';
import {OrderPoints} from '../../extensions/thank-you-points/src/OrderPoints.jsx';

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

// The extensions' fetch, to the real app; every request kept (perks.requests).
function connect(env, options) {
  const perks = env.realPerks(APP_URL, options);
  env.setFetch(perks.fetch);
  return perks;
}

// The checkout and order-status surfaces' shop (StandardApi `shop`).
const SHOP = {id: 'gid://shopify/Shop/1', name: 'Perks Test Shop', myshopifyDomain: 'shop.myshopify.com'};

// The referral link's share links, by name (each opens outside the surface).
function sharedAt() {
  const links = [...document.querySelectorAll('s-link[target="_blank"]')];
  return Object.fromEntries(links.map((link) => [link.textContent, link.getAttribute('href')]));
}

// purchase.thank-you.block.render: StandardApi with OrderConfirmationApi, Ada's order just placed.
function thankYou({i18n, setShopify, surfaces}) {
  setShopify({
    extension: {target: 'purchase.thank-you.block.render'},
    sessionToken: {get: async () => surfaces.tokens.checkout.ada},
    i18n: i18n('thank-you-points'),
    localization: {language: {value: {isoCode: 'en'}}},
    orderConfirmation: {value: {order: {id: `gid://shopify/OrderIdentity/${surfaces.orders.member}`}, number: '1001', isFirstOrder: false}},
    shop: SHOP,
    buyerIdentity: {email: {value: 'ada@example.com'}},
  });
}

// customer-account.order-status.block.render: OrderStatusApi, Ada's order in her account.
function orderStatus({i18n, setShopify, surfaces}) {
  setShopify({
    extension: {target: 'customer-account.order-status.block.render'},
    sessionToken: {get: async () => surfaces.tokens.account.ada},
    i18n: i18n('thank-you-points'),
    order: {value: {id: `gid://shopify/Order/${surfaces.orders.member}`, name: '#1001'}},
    shop: SHOP,
  });
}

// customer-account.page.render / profile.block.render: StandardApi (sessionToken, i18n, localization).
function customerAccount({i18n, setShopify, surfaces}, who, language = 'en') {
  setShopify({
    extension: {target: 'customer-account.page.render'},
    sessionToken: {get: async () => surfaces.tokens.account[who]},
    i18n: i18n('customer-account-rewards', language),
    localization: {language: {value: {isoCode: language}}},
  });
}

const posts = (perks) => perks.requests.filter((r) => r.method === 'POST');

export const cases = {
  async 'customer account page shows the balance, tier, rewards, ways to earn, referral, birthday and history'(env) {
    customerAccount(env, 'ada');
    const perks = connect(env);
    render(<RewardsPage />, document.body);
    await shows('1,250 points');
    const text = rendered();
    for (const expected of ['Hi Ada', 'Silver', 'Spend $750 more to reach Gold', 'Free shipping over $50', '5 USD off', '$10 store credit', '$25 off',
      '1,250 more points', 'Points per USD spent: 1', 'Friends referred: 0 · Earned: 0 points', 'Not set yet', `Order #${env.surfaces.orders.member}`, '+1,250']) {
      assert(text.includes(expected), `missing "${expected}"`);
    }
    // Each way to earn with how often it pays.
    for (const [way, limit] of [['Write a review', '50 points, up to 3 times a month'], ['Share with friends', '10 points, once a day'],
      ['Birthday', '100 points, once a year'], ['Join our newsletter', '30 points, once']]) {
      const row = [...document.querySelectorAll('s-stack[direction="inline"]')].find((stack) => stack.firstElementChild?.textContent === way);
      assert(row?.textContent.includes(limit), `"${way}" pays "${limit}": ${row?.textContent}`);
    }
    assert(document.querySelector('s-progress').getAttribute('value') === '0.25', 'tier progress: a quarter of the way from Silver to Gold');
    const link = document.querySelector('s-clipboard-item').getAttribute('text');
    assert(/^https:\/\/.+\/apps\/perks\/r\/\w+$/.test(link) && text.includes(link), `copy holds the referral link shown: ${link}`);
    const {WhatsApp} = sharedAt();
    assert(WhatsApp === `https://wa.me/?text=${encodeURIComponent(`A gift for you at ${env.surfaces.shop_name} ${link}`)}`, `shared with the shop's name: ${WhatsApp}`);
    const [request] = perks.requests;
    assert(request.path === '/surfaces/member' && request.url.startsWith(`${APP_URL}/`), request.url);
    assert(request.headers.Authorization === `Bearer ${env.surfaces.tokens.account.ada}`, 'session token sent');
    assert(request.locale === 'en', 'locale sent');
    const redeemable = [...document.querySelectorAll('s-button')].filter((b) => b.textContent.trim() === 'Redeem');
    assert(redeemable.some((b) => b.hasAttribute('disabled')), 'a reward the member cannot afford is not redeemable');
  },

  async 'customer account redemption shows the code; a retry after a dropped request sends the same Idempotency-Key, the next redemption a new one'(env) {
    customerAccount(env, 'bea');
    const perks = connect(env, {dropFirst: 'POST /surfaces/redeem'});
    render(<RewardsPage />, document.body);
    await shows('1,250 points');
    const fiveOff = () => rewardButton('5 USD off');
    await redeemAndConfirm(fiveOff(), 'Redeem 5 USD off for 500 points?');
    await shows('Something went wrong. Please try again.');
    await redeemAndConfirm(fiveOff(), 'Redeem 5 USD off for 500 points?');
    await shows('Your code for 5 USD off');
    const code = posts(perks).length === 2 && document.querySelector('s-clipboard-item#perks-issued-code')?.getAttribute('text');
    assert(/^PERKS-/.test(code) && rendered().includes(code), `the code is shown: ${code}`);
    await shows('750 points');
    await redeemAndConfirm(fiveOff(), 'Redeem 5 USD off for 500 points?');
    await shows('250 points');
    const sent = posts(perks);
    assert(sent.length === 3 && sent.every((r) => r.path === '/surfaces/redeem' && r.body.reward_id === sent[0].body.reward_id), 'reward_id posted');
    const keys = sent.map((r) => r.headers['Idempotency-Key']);
    assert(keys.every((key) => KEY.test(key)), `keys match Perks' pattern: ${keys}`);
    assert(keys[0] === keys[1] && keys[1] !== keys[2], `retry keeps the key, the next one is new: ${keys}`);
    assert(rendered().includes(code), 'the first code is in "Your codes"');
  },

  async 'customer account redemption of store credit says it is on the account'(env) {
    customerAccount(env, 'cy');
    connect(env);
    render(<RewardsPage />, document.body);
    await shows('1,250 points');
    await redeemAndConfirm(rewardButton('$10 store credit'), 'Redeem $10 store credit for 1,000 points?');
    await shows('$10 store credit added to your store credit');
    await shows('250 points');
  },

  async 'customer account page redeems points for money: the points picked, in steps, and what they are worth'(env) {
    customerAccount(env, 'hal');
    const perks = connect(env);
    render(<RewardsPage />, document.body);
    await shows('700 points');
    assert(rendered().includes('$1.00 for every 100 points'), 'what each step buys');
    const [field, redeemIt] = spendPoints();
    assert(field.getAttribute('label') === 'Points to use' && field.getAttribute('value') === '200' && field.getAttribute('max') === '700', 'from 200 up to the balance');
    await says(field, 'details', 'Worth $2.00');
    type(field, '450');
    await says(field, 'error', 'Choose 200 points to 700 points, in steps of 100 points');
    assert(!field.hasAttribute('details'), 'no worth for points off the steps');
    assert(redeemIt().hasAttribute('disabled'), 'no redemption of points off the steps');
    type(field, '300');
    await says(field, 'details', 'Worth $3.00');
    await redeemAndConfirm(redeemIt(), 'Redeem $1 off per 100 points for 300 points?');
    await shows('Your code for $1 off per 100 points');
    await shows('400 points');
    const [post] = posts(perks);
    assert(post.body.points === 300 && KEY.test(post.headers['Idempotency-Key']), `300 points posted: ${JSON.stringify(post.body)}`);
  },

  async 'customer account page asks before spending points: cancelled, nothing is spent'(env) {
    customerAccount(env, 'dan');
    const perks = connect(env);
    render(<RewardsPage />, document.body);
    await shows('600 points');
    press(rewardButton('5 USD off'));
    await shows('Redeem 5 USD off for 500 points?');
    press(button('Cancel')[0]);
    await waitFor((body) => !body.includes('Redeem 5 USD off for 500 points?'), 'the question gone');
    assert(posts(perks).length === 0 && rendered().includes('600 points'), 'no redemption asked of Perks');
  },

  async 'customer account page sets the birthday: the date picked is saved in Perks and shown'(env) {
    customerAccount(env, 'bea');
    const perks = connect(env);
    render(<RewardsPage />, document.body);
    await shows('Not set yet');
    const field = document.querySelector('s-date-field');
    assert(field.getAttribute('label') === 'Your birthday', 'the field is labelled');
    field.value = '1990-03-14';
    assert(button('Save')[0].hasAttribute('disabled'), 'nothing to save before a date is picked');
    field.dispatchEvent(new Event('change', {bubbles: true}));
    await waitFor(() => !button('Save')[0].hasAttribute('disabled'), 'Save once a date is picked');
    press(button('Save')[0]);
    await shows('March 14');
    const post = posts(perks)[0];
    assert(post.path === '/surfaces/birthday' && post.body.date === '03-14', `birthday posted: ${JSON.stringify(post.body)}`);
    assert(!document.querySelector('s-date-field'), 'the form gives way to the date');
  },

  async 'customer account page in Romanian uses its plural forms'(env) {
    customerAccount(env, 'eve', 'ro');
    connect(env);
    render(<RewardsPage />, document.body);
    await shows('1 punct');
    assert(rendered().includes('Punctele tale'), 'Romanian words');
  },

  async 'profile block shows the balance and links to the Rewards page'(env) {
    customerAccount(env, 'ada');
    connect(env);
    render(<ProfileBlock />, document.body);
    await shows('1,250 points');
    assert(document.querySelector('s-link').getAttribute('href') === 'extension:perks-rewards-page/', 'links to the page extension');
  },

  async 'thank-you block: the points this order earned, the balance after, the next reward and the referral link'(env) {
    const {surfaces} = env;
    thankYou(env);
    const perks = connect(env);
    render(<OrderPoints orderId={shopify.orderConfirmation.value.order.id} />, document.body);
    await shows('This order earned you 1,250 points');
    for (const expected of ['Your balance after this order: 1,250 points', '1,250 points more for $25 off']) {
      assert(rendered().includes(expected), `missing "${expected}"`);
    }
    const link = document.querySelector('s-clipboard-item')?.getAttribute('text');
    assert(link && rendered().includes(link), `the referral link: ${link}`);
    const shared = sharedAt();
    assert(shared.X === `https://x.com/intent/post?text=${encodeURIComponent('A gift for you at Perks Test Shop')}&url=${encodeURIComponent(link)}`, shared.X);
    assert(Object.keys(shared).join() === 'Email,X,Facebook,WhatsApp', `shared by email, X, Facebook and WhatsApp: ${Object.keys(shared)}`);
    assert(perks.requests[0].path === `/surfaces/orders/${surfaces.orders.member}`, perks.requests[0].url);
    assert(perks.requests[0].headers.Authorization === `Bearer ${surfaces.tokens.checkout.ada}`, 'checkout session token sent');
  },

  async 'thank-you block for a guest: the points waiting for an account with their email'(env) {
    const {surfaces} = env;
    env.setShopify({
      sessionToken: {get: async () => surfaces.tokens.guest},
      i18n: env.i18n('thank-you-points'),
      orderConfirmation: {value: {order: {id: `gid://shopify/OrderIdentity/${surfaces.orders.guest}`}}},
      buyerIdentity: {email: {value: surfaces.orders.guest_email}},
    });
    const perks = connect(env);
    render(<OrderPoints orderId={shopify.orderConfirmation.value.order.id} email={shopify.buyerIdentity.email.value} />, document.body);
    await shows(`120 points are waiting for you. Create an account with ${surfaces.orders.guest_email} to collect them.`);
    assert(perks.requests[0].url.includes(`email=${encodeURIComponent(surfaces.orders.guest_email)}`), perks.requests[0].url);
  },

  async 'order status block: the points the order earned'(env) {
    orderStatus(env);
    connect(env);
    render(<OrderPoints orderId={shopify.order.value.id} />, document.body);
    await shows('This order earned you 1,250 points');
    assert(rendered().includes('1,250 points more for $25 off'), 'the next reward within reach');
  },

  async 'thank-you block before Perks has the order paid: the points on their way, then, read again, what it earned'(env) {
    const {surfaces} = env;
    env.setShopify({sessionToken: {get: async () => surfaces.tokens.checkout.fay}, i18n: env.i18n('thank-you-points'), shop: SHOP});
    const perks = connect(env);
    render(<OrderPoints orderId={`gid://shopify/OrderIdentity/${surfaces.orders.unpaid}`} rereadAfterMs={[20, 20, 50, 100, 200, 400, 800]} />, document.body);
    await shows('Points for this order are on their way.');
    assert(rendered().includes('Your balance: 0 points') && rendered().includes('200 points more for $1 off per 100 points'), rendered());
    await waitFor(() => perks.requests.length >= 3, 'read again while processing');
    await env.pay(surfaces.orders.unpaid);
    await shows('This order earned you 40 points');
    assert(rendered().includes('Your balance after this order: 40 points') && rendered().includes('160 points more for $1 off per 100 points'), rendered());
    const reads = perks.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert(perks.requests.length === reads, `no more reads once the order is earned: ${perks.requests.length - reads} more`);
    assert(perks.requests.every((r) => r.path === `/surfaces/orders/${surfaces.orders.unpaid}`), 'the same order read');
  },

  async 'thank-you block stays away for an order Perks does not show this customer'(env) {
    const {surfaces} = env;
    env.setShopify({sessionToken: {get: async () => surfaces.tokens.checkout.bea}, i18n: env.i18n('thank-you-points')});
    const perks = env.realPerks(APP_URL);
    // Renders of OrderPoints after Perks answered: the one with the refusal (Ada's order is not Bea's: 404).
    let answeredAt = null;
    const statuses = [];
    env.setFetch((...request) => perks.fetch(...request).then((response) => (statuses.push(response.status), response)).finally(() => (answeredAt = diffed.length)));
    render(<OrderPoints orderId={surfaces.orders.member} />, document.body);
    await waitFor(() => answeredAt !== null && diffed.slice(answeredAt).includes(OrderPoints), 'the refusal rendered');
    assert(statuses.join() === '404' && rendered().trim() === '', `nothing shown: ${statuses}`);
  },
};

// The Redeem button of the reward titled `title` (each reward's row holds its title and its button).
function rewardButton(title) {
  const row = [...document.querySelectorAll('s-stack[direction="inline"]')].find(
    (stack) => stack.querySelector('s-text')?.textContent === title && stack.querySelector('s-button'),
  );
  assert(row, `no reward "${title}"`);
  return row.querySelector('s-button');
}

// A reward's Redeem pressed, the question asked (`question`) and answered yes.
async function redeemAndConfirm(redeemButton, question) {
  press(redeemButton);
  await shows(question);
  press(button('Confirm')[0]);
}

// The points-for-money reward's number field, and a getter for its Redeem button (rendered anew as the field changes).
function spendPoints() {
  const field = document.querySelector('s-number-field');
  assert(field, 'no points to pick');
  return [field, () => field.parentElement.querySelector('s-button')];
}

// A field's words Shopify shows with it (its details, its error) are attributes.
const says = (field, name, text) => waitFor(() => field.getAttribute(name) === text, `${name}: ${text}`);

// What a shopper types into a field, as its input event reports it.
function type(field, value) {
  field.value = value;
  field.dispatchEvent(new Event('input', {bubbles: true}));
}

// POS: StandardApi (session.getSessionToken, i18n, locale, toast) with CustomerApi, CartApi and ActionApi.
function pos({i18n, setShopify, surfaces}, who) {
  const calls = {discounts: [], toasts: [], modals: 0};
  setShopify({
    extension: {target: 'pos.customer-details.block.render'},
    session: {currentSession: {shopDomain: 'shop.myshopify.com', locationId: 1}, getSessionToken: async () => surfaces.tokens.pos},
    i18n: i18n('pos-rewards'),
    locale: {value: 'en-US'},
    customer: {id: Number(surfaces.customers[who])},
    cart: {addCartCodeDiscount: async (code) => calls.discounts.push(code)},
    toast: {show: (text) => calls.toasts.push(text)},
    action: {presentModal: () => (calls.modals += 1)},
  });
  return calls;
}

Object.assign(cases, {
  async 'POS block shows the balance and tier and opens the redeem modal'(env) {
    const calls = pos(env, 'ada');
    const perks = connect(env);
    render(<CustomerBlock />, document.body);
    await shows('1,250 points');
    assert(rendered().includes('Tier: Silver'), 'tier line');
    assert(perks.requests[0].path === `/surfaces/pos/customers/${env.surfaces.customers.ada}`, perks.requests[0].url);
    assert(perks.requests[0].headers.Authorization === `Bearer ${env.surfaces.tokens.pos}`, 'POS session token sent');
    assert(perks.requests[0].locale === 'en-US', 'POS locale sent');
    press(button('Redeem points')[0]);
    assert(calls.modals === 1, 'modal presented');
  },

  async 'POS for a staff account not allowed to use the app: no token, so it says what to ask the store owner'(env) {
    pos(env, 'ada');
    shopify.session.getSessionToken = async () => null; // what POS gives an account without the app's permission
    const perks = connect(env);
    render(<CustomerBlock />, document.body);
    await shows("Your POS account can't use Perks yet. Ask the store owner to turn on Perks in your app permissions.");
    assert(perks.requests.length === 0, 'nothing asked of Perks without a token');
  },

  async 'POS menu item opens the redeem modal'(env) {
    const calls = pos(env, 'ada');
    render(<MenuItem />, document.body);
    await shows('Redeem points');
    press(button('Redeem points')[0]);
    assert(calls.modals === 1, 'modal presented');
  },

  async 'POS modal redeems a reward and applies its code to the cart'(env) {
    const calls = pos(env, 'dan');
    const perks = connect(env);
    render(<RedeemModal />, document.body);
    await shows('600 points');
    press(rewardButton('5 USD off'));
    await waitFor(() => calls.toasts.length === 1, 'the toast');
    const [code] = calls.discounts;
    assert(calls.discounts.length === 1 && /^PERKS-/.test(code), `one code applied to the cart: ${calls.discounts}`);
    await shows(`Code ${code} applied to the cart`);
    assert(calls.toasts.join() === `Code ${code} applied to the cart`, `toast: ${calls.toasts}`);
    await shows('100 points');
    const post = posts(perks)[0];
    assert(post.path === `/surfaces/pos/customers/${env.surfaces.customers.dan}/redeem` && KEY.test(post.headers['Idempotency-Key']), 'redeem request');
  },

  async "POS modal redeems store credit: it says the credit is on the customer's account, no code for the cart"(env) {
    const calls = pos(env, 'gus');
    connect(env);
    render(<RedeemModal />, document.body);
    await shows('1,000 points');
    press(rewardButton('$10 store credit'));
    await shows("$10 store credit added to the customer's store credit");
    await shows('0 points');
    assert(calls.discounts.length === 0, `nothing applied to the cart: ${calls.discounts}`);
    assert(calls.toasts.join() === "$10 store credit added to the customer's store credit", `toast: ${calls.toasts}`);
  },

  async 'POS modal redeems points for money: the points entered buy a code applied to the cart'(env) {
    const calls = pos(env, 'ivy');
    const perks = connect(env);
    render(<RedeemModal />, document.body);
    await shows('500 points');
    const [field, redeemIt] = spendPoints();
    type(field, '300');
    await says(field, 'details', 'Worth $3.00');
    press(redeemIt());
    await waitFor(() => calls.discounts.length === 1, 'the code applied');
    await shows('200 points');
    assert(posts(perks)[0].body.points === 300, 'the points entered are spent');
    assert(calls.toasts.join() === `Code ${calls.discounts[0]} applied to the cart`, `toast: ${calls.toasts}`);
  },

  async 'POS modal for a customer who is not a member: no points, nothing to redeem yet'(env) {
    pos(env, 'nobody');
    connect(env);
    render(<RedeemModal />, document.body);
    await shows('0 points');
    assert(button('Redeem').every((b) => b.hasAttribute('disabled')), 'every reward out of reach');
  },
});

// What `shopify app build` made (env.surfaces.bundles: handle → file), run as Shopify runs it: the bundle is
// evaluated, registers each of its targets with shopify.extend, and the host calls the target it renders.
// [handle, target, the surface's API, what it shows]: every target of shopify.app.toml's UI extensions.
const BUNDLED = [
  ['perks-rewards-page', 'customer-account.page.render', (env) => customerAccount(env, 'ada'), 'Spend $750 more to reach Gold'],
  ['perks-rewards-profile', 'customer-account.profile.block.render', (env) => customerAccount(env, 'ada'), 'See your rewards'],
  ['perks-order-points', 'purchase.thank-you.block.render', thankYou, 'This order earned you 1,250 points'],
  ['perks-order-points', 'customer-account.order-status.block.render', orderStatus, 'This order earned you 1,250 points'],
  ['perks-pos-rewards', 'pos.customer-details.block.render', (env) => pos(env, 'ada'), 'Tier: Silver'],
  ['perks-pos-rewards', 'pos.customer-details.action.menu-item.render', (env) => pos(env, 'ada'), 'Redeem points'],
  ['perks-pos-rewards', 'pos.customer-details.action.render', (env) => pos(env, 'ada'), '$1 off per 100 points'],
];

for (const [handle, target, surface, text] of BUNDLED) {
  cases[`the built ${handle} bundle renders ${target} against the real app`] = async (env) => {
    surface(env);
    connect(env);
    const registered = {};
    shopify.extend = (name, run) => (registered[name] = run);
    // A bundle brings its own Preact: it renders into a body of its own, not one the cases' Preact has used.
    document.body.replaceWith(document.createElement('body'));
    new Function(readFileSync(env.surfaces.bundles[handle], 'utf8'))();
    const targets = BUNDLED.filter(([h]) => h === handle).map(([, t]) => t);
    assert(Object.keys(registered).sort().join() === targets.sort().join(), `${handle} registers ${Object.keys(registered)}`);
    await registered[target]();
    await shows(text);
  };
}
