// The UI extensions' components in a plain Chromium page (tests/browser/test_ui_extensions_in_chromium.py):
// window.showSurface(config) stubs the surface's `shopify` global as cases.jsx does and renders one
// component. Shopify draws the Polaris web components itself; page.css gives them a plain look here.
import {render} from 'preact';

import {ProfileBlock} from '../../extensions/customer-account-rewards/src/ProfileBlock.jsx';
import {RewardsPage} from '../../extensions/customer-account-rewards/src/RewardsPage.jsx';
import {CustomerBlock} from '../../extensions/pos-rewards/src/CustomerBlock.jsx';
import {MenuItem} from '../../extensions/pos-rewards/src/MenuItem.jsx';
import {RedeemModal} from '../../extensions/pos-rewards/src/RedeemModal.jsx';
import {OrderPoints} from '../../extensions/thank-you-points/src/OrderPoints.jsx';
import {translator} from './i18n.mjs';

const COMPONENTS = {RewardsPage, ProfileBlock, OrderPoints, CustomerBlock, MenuItem, RedeemModal};

// config: {component, props, token, words, language, pos: {customer} | undefined}
window.showSurface = ({component, props = {}, token, words, language = 'en', pos}) => {
  const i18n = translator(words, language, 'locales');
  globalThis.shopify = pos
    ? {
        session: {getSessionToken: async () => token},
        i18n,
        locale: {value: language},
        customer: {id: pos.customer},
        cart: {addCartCodeDiscount: async (code) => window.cartCodes.push(code)},
        toast: {show: () => {}},
        action: {presentModal: () => {}},
      }
    : {sessionToken: {get: async () => token}, i18n, localization: {language: {value: {isoCode: language}}}, shop: {name: 'Perks Test Shop'}};
  const Component = COMPONENTS[component];
  render(<Component {...props} />, document.getElementById('surface'));
};
window.cartCodes = [];

// Shopify draws s-number-field on its surfaces; here a plain one that takes typing: its label, an input, and
// its details or its error. The input's own input event reaches the element's listeners (it is composed).
customElements.define(
  's-number-field',
  class extends HTMLElement {
    static observedAttributes = ['label', 'min', 'max', 'details', 'error'];

    constructor() {
      super();
      this.attachShadow({mode: 'open'}).innerHTML = `<style>
        label { display: flex; flex-direction: column; gap: 4px; color: #616161; }
        input { width: 120px; padding: 6px 10px; border: 1px solid #8a8a8a; border-radius: 8px; font: inherit; color: #303030; }
        small { display: block; margin-top: 4px; color: #616161; } small.error { color: #8e1f0b; }
      </style><label><span></span><input type="number"></label><small></small>`;
      this.input = this.shadowRoot.querySelector('input');
    }

    get value() {
      return this.input.value;
    }

    set value(value) {
      this.input.value = value;
    }

    attributeChangedCallback() {
      const [label, note] = [this.shadowRoot.querySelector('span'), this.shadowRoot.querySelector('small')];
      label.textContent = this.getAttribute('label') ?? '';
      for (const name of ['min', 'max']) this.input.setAttribute(name, this.getAttribute(name) ?? '');
      note.textContent = this.getAttribute('error') ?? this.getAttribute('details') ?? '';
      note.className = this.hasAttribute('error') ? 'error' : '';
    }
  },
);

// A progress bar's fill, from its value (CSS cannot size a box by an attribute).
new MutationObserver(() => {
  for (const bar of document.querySelectorAll('s-progress')) bar.style.setProperty('--value', `${Number(bar.getAttribute('value')) * 100}%`);
}).observe(document.documentElement, {subtree: true, childList: true, attributes: true, attributeFilter: ['value']});
