/* Perks rewards entry script (schema "javascript", deferred): button + dialog, focus trap;
 * loads perks-ui.js on interaction, or at once for the rewards page. The colours come readable
 * in the block's inline style (the Liquid, from the saved look or the block's settings). */
(function () {
  'use strict';
  var uiPromise;

  function loadUI(src) {
    uiPromise = uiPromise || new Promise(function (resolve, reject) {
      if (window.PerksUI) return resolve(window.PerksUI);
      var s = document.createElement('script');
      s.src = src;
      s.async = true;
      s.onload = function () { window.PerksUI ? resolve(window.PerksUI) : reject(); };
      s.onerror = function () { uiPromise = null; reject(); };
      document.head.appendChild(s);
    });
    return uiPromise;
  }

  function config(root) {
    var d = root.dataset, t = {};
    try { t = JSON.parse(root.querySelector('script[data-perks-i18n]').textContent); } catch (e) { /* English keys */ }
    return {
      base: (d.proxy || '/apps/perks').replace(/\/$/, ''),
      ui: d.ui,
      customer: d.customer || '',
      locale: d.locale || 'en',
      currency: d.currency || 'USD',
      shop: d.shop || '',
      login: d.login || '/account/login',
      register: d.register || '/account/register',
      cart: d.cart || '/cart',
      page: root.hasAttribute('data-perks-page'),
      tiers: d.tiers !== 'false',
      referral: d.referral !== 'false',
      history: d.history !== 'false',
      t: t
    };
  }

  var FOCUSABLE = 'a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex="-1"])';

  function initLauncher(root) {
    var btn = root.querySelector('.perks-fab'),
      panel = root.querySelector('.perks-panel'),
      body = root.querySelector('[data-perks-body]'),
      cfg = config(root),
      view;

    function focusables() {
      return [].filter.call(panel.querySelectorAll(FOCUSABLE), function (el) { return el.getClientRects().length; });
    }
    function warm() { return loadUI(cfg.ui); }

    function open() {
      panel.hidden = false;
      btn.setAttribute('aria-expanded', 'true');
      panel.querySelector('[data-perks-close]').focus();
      document.addEventListener('keydown', onKey, true);
      document.addEventListener('focusin', onFocusIn);
      document.addEventListener('pointerdown', onOutside);
      if (view) {
        view.then(function (v) { if (v) v.refresh(); });
      } else {
        view = warm().then(function (UI) { return UI.mount(body, cfg); }, function () {
          body.textContent = cfg.t.error || 'Error';
          view = null;
        });
      }
    }
    function close() {
      panel.hidden = true;
      btn.setAttribute('aria-expanded', 'false');
      document.removeEventListener('keydown', onKey, true);
      document.removeEventListener('focusin', onFocusIn);
      document.removeEventListener('pointerdown', onOutside);
      btn.focus();
    }
    function onKey(e) {
      if (e.key === 'Escape' || e.key === 'Esc') {
        e.preventDefault();
        close();
      } else if (e.key === 'Tab') {
        var f = focusables(), first = f[0], last = f[f.length - 1], a = document.activeElement;
        if (!f.length) return e.preventDefault();
        if (e.shiftKey && (a === first || !panel.contains(a))) { e.preventDefault(); last.focus(); }
        else if (!e.shiftKey && (a === last || !panel.contains(a))) { e.preventDefault(); first.focus(); }
      }
    }
    // Keep focus inside the dialog while it is open (aria-modal).
    function onFocusIn(e) {
      if (!panel.contains(e.target) && e.target !== btn) (focusables()[0] || panel).focus();
    }
    function onOutside(e) { if (!root.contains(e.target)) close(); }

    btn.addEventListener('click', function () { panel.hidden ? open() : close(); });
    if (location.hash == '#perks') open(); // where the program's mails lead
    panel.querySelector('[data-perks-close]').addEventListener('click', close);
    ['pointerenter', 'focus', 'touchstart'].forEach(function (ev) {
      btn.addEventListener(ev, function () { warm().catch(function () {}); }, { once: true, passive: true });
    });
  }

  function initPage(root) {
    var cfg = config(root);
    loadUI(cfg.ui).then(function (UI) { UI.mount(root.querySelector('[data-perks-body]'), cfg); }, function () {});
  }

  /* A friend who followed a referral link (?perks_ref=): remember the code and
   * claim it once, as soon as they are logged in; the server refuses fraud. */
  function claimReferral(cfg) {
    var code = new URLSearchParams(location.search).get('perks_ref');
    try {
      if (code) localStorage.setItem('perks_ref', code);
      code = localStorage.getItem('perks_ref');
    } catch (e) { /* storage blocked: the cookie still carries it */ }
    if (!code || !cfg.customer) return;
    fetch(cfg.base + '/referral/claim', {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ code: code })
    }).then(function (r) {
      if (r.status < 500) try { localStorage.removeItem('perks_ref'); } catch (e) { /* ignore */ }
    }, function () {});
  }

  function init() {
    var first = document.querySelector('[data-perks-launcher],[data-perks-page]');
    if (first && !first.perksReady) claimReferral(config(first));
    [].forEach.call(document.querySelectorAll('[data-perks-launcher],[data-perks-page]'), function (root) {
      if (root.perksReady) return;
      root.perksReady = true;
      root.hasAttribute('data-perks-page') ? initPage(root) : initLauncher(root);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
  document.addEventListener('shopify:section:load', init); // theme editor re-renders blocks
})();
