/* Perks rewards views (launcher panel + rewards page): window.PerksUI.mount(container, cfg).
 * Talks only to the app proxy on the shop's domain; Shopify adds logged_in_customer_id. */
(function () {
  'use strict';
  var NETS = { instagram: 'Instagram', facebook: 'Facebook', tiktok: 'TikTok', x: 'X', youtube: 'YouTube', pinterest: 'Pinterest', linkedin: 'LinkedIn', threads: 'Threads' };

  function mount(body, cfg) {
    var T = cfg.t, program = null, member = null, flash = null, shareable = !!navigator.share;
    var loc = (function () { try { new Intl.NumberFormat(cfg.locale); return cfg.locale; } catch (e) { return 'en'; } })();
    var plural = new Intl.PluralRules(loc);

    function t(key, vars) {
      return (T[key] || key).replace(/\{(\w+)\}/g, function (m, k) { return vars && k in vars ? vars[k] : m; });
    }
    function num(n) { return new Intl.NumberFormat(loc).format(n); }
    // base_one, base_few (Romanian 2-19) or base, by CLDR's rules
    function counted(base, n) { var form = plural.select(n); return t(form === 'one' || form === 'few' ? base + '_' + form : base, { n: num(n) }); }
    function pts(n) { return counted('points', n); }
    function more(n) { return counted('more', n); }
    function money(v) {
      var cur = (program && program.shop && program.shop.currency) || cfg.currency;
      try { return new Intl.NumberFormat(loc, { style: 'currency', currency: cur }).format(v); } catch (e) { return v + ' ' + cur; }
    }
    function date(iso, opts) {
      var d = new Date(iso);
      return isNaN(d) ? '' : new Intl.DateTimeFormat(loc, opts || { dateStyle: 'medium' }).format(d);
    }
    function monthDay(md) {
      var p = (md || '').split('-');
      return date(new Date(2000, p[0] - 1, +p[1]), { month: 'long', day: 'numeric' });
    }
    // h('tag.class', {attr: v, onclick: fn, text: 's'}, [children]) -> Element
    function h(sel, props, kids) {
      var parts = sel.split('.'), el = document.createElement(parts[0] || 'div');
      if (parts.length > 1) el.className = parts.slice(1).join(' ');
      Object.keys(props || {}).forEach(function (k) {
        var v = props[k];
        if (v == null || v === false) return;
        if (k === 'text') el.textContent = v;
        else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? '' : v);
      });
      [].concat(kids || []).forEach(function (c) { if (c != null && c !== false) el.append(c); });
      return el;
    }
    function section(title, kids) {
      kids = kids.filter(Boolean);
      return kids.length ? h('section.perks-sec', {}, [h('h3.perks-h', { text: title })].concat(kids)) : null;
    }
    function list(items, row) { return items && items.length ? h('ul.perks-list', {}, items.map(row)) : null; }
    function uuid() {
      if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
      var b = new Uint8Array(16);
      (window.crypto || window.msCrypto).getRandomValues(b);
      return [].map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    }

    function api(path, data, key) {
      var o = { credentials: 'same-origin', headers: { Accept: 'application/json' } };
      if (data) {
        o.method = 'POST';
        o.headers['Content-Type'] = 'application/json';
        if (key) o.headers['Idempotency-Key'] = key;
        o.body = JSON.stringify(data);
      }
      return fetch(cfg.base + path + '?locale=' + encodeURIComponent(cfg.locale), o).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          if (r.ok) return j;
          var e = new Error(j.message || t('error'));
          e.status = r.status;
          throw e;
        });
      });
    }

    function copy(text, btn) {
      function done() {
        btn.textContent = t('copied');
        setTimeout(function () { btn.textContent = t('copy'); }, 2000);
      }
      function fallback() {
        var ta = h('textarea', { readonly: true, 'aria-hidden': 'true', style: 'position:fixed;opacity:0' });
        ta.value = text;
        body.append(ta);
        ta.select();
        try { document.execCommand('copy'); done(); } catch (e) { /* nothing more to try */ }
        ta.remove();
        btn.focus();
      }
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
      else fallback();
    }
    function copyBtn(text) {
      var b = h('button.perks-ghost', { type: 'button', 'aria-label': t('copy_label', { code: text }), text: t('copy') });
      b.onclick = function () { copy(text, b); };
      return b;
    }
    function applyLink(code) {
      return h('a.perks-btn', { href: '/discount/' + encodeURIComponent(code) + '?redirect=' + encodeURI(cfg.cart), text: t('apply') });
    }
    function errorText(e) { return h('p.perks-err', { role: 'alert', text: e.message || t('error') }); }
    function showError(box, e) { // a second failure replaces the first
      var old = box.querySelector('.perks-err');
      old ? old.replaceWith(errorText(e)) : box.append(errorText(e));
    }

    function load() {
      var getProgram = function () { return api('/program').then(function (p) { program = p; }); };
      var jobs = [];
      if (cfg.customer) {
        jobs.push(api('/member').then(function (m) { member = m; }, function (e) {
          if (e.status !== 401) throw e;
          member = null;
          if (!program) return getProgram();
        }));
      }
      if ((cfg.page || !cfg.customer) && !program) jobs.push(getProgram());
      return Promise.all(jobs).then(render, function (e) {
        body.replaceChildren(errorText(e), h('button.perks-ghost', { type: 'button', text: t('retry'), onclick: load }));
      });
    }
    function after(message) {
      flash = message;
      return load().then(function () {
        var card = body.querySelector('.perks-card');
        if (card) card.focus();
      });
    }

    function render() {
      var nodes = member ? memberView() : visitorView();
      if (flash) nodes.unshift(flashCard(flash));
      body.replaceChildren.apply(body, nodes.filter(Boolean));
    }

    function flashCard(f) {
      var kids = f.code ? [
        h('p', { text: t('success', { title: f.title }) }),
        h('p.perks-code', { text: f.code }),
        f.expires_at ? h('small', { text: t('expires', { date: date(f.expires_at) }) }) : null,
        h('div.perks-acts', {}, [copyBtn(f.code), applyLink(f.code)])
      ] : [h('p', { text: f.text })];
      return h('div.perks-card', { tabindex: '-1', role: 'status' }, kids);
    }

    function earnText(e) {
      return t('per_' + (e.per || 'once'), { points: pts(e.points), money: money(1) });
    }

    function visitorView() {
      var p = program || {}, shop = (p.shop && p.shop.name) || cfg.shop;
      return [
        h('section.perks-sec', {}, [
          h('h3', { text: t('join_title', { shop: shop }) }),
          h('p', { text: t('join_text') }),
          h('a.perks-btn', { href: cfg.register, text: t('join') }),
          h('p', { style: 'margin-top:8px' }, [t('member_q') + ' ', h('a', { href: cfg.login, text: t('login') })])
        ]),
        section(t('earn_title'), [list(p.earn || [], function (e) {
          return h('li.perks-row', {}, [h('div', { text: e.title }), h('span', { text: earnText(e) })]);
        })]),
        section(t('redeem_title'), [list(p.rewards || [], function (r) {
          return h('li.perks-row', {}, [h('div', {}, [h('span', { text: r.title })].concat(terms(r))), h('span', { text: pts(r.points_cost) })]);
        })]),
        tiersView(),
        p.referral && cfg.referral ? section(t('referral_title'), [h('p', { text: t('ref_offer', { friend: p.referral.friend_reward, member: p.referral.member_reward }) })]) : null
      ];
    }

    function tiersView() {
      var tiers = cfg.page && cfg.tiers && program && program.tiers;
      return tiers ? section(t('tiers_title'), [list(tiers, function (x) {
        return h('li.perks-row', {}, [
          h('div', {}, [h('strong', { text: x.name }), h('small', { text: (x.perks || []).join(' · ') })]),
          h('span', { text: t('tier_from', { points: pts(x.threshold) }) })
        ]);
      })]) : null;
    }

    function memberView() {
      var m = member, tier = m.tier, name = m.customer && m.customer.first_name;
      var head = [
        h('p', { text: name ? t('hi', { name: name }) : t('hi_anon') }),
        h('div.perks-muted', { text: t('balance') }),
        h('div.perks-big', { text: pts(m.points) })
      ];
      if (tier) {
        if (tier.name) head.push(h('span.perks-tier', { text: tier.name }));  // none: below the first
        if (tier.perks && tier.perks.length) head.push(h('small', { text: tier.perks.join(' · ') }));
        if (tier.next) {
          var pct = Math.round(Math.max(0, Math.min(1, tier.next.progress)) * 100);
          var spend = tier.next.basis === 'spend', left = tier.next.remaining;
          var label = t(spend ? 'next_tier_spend' : 'next_tier', { points: pts(left), amount: money(left), tier: tier.next.name });
          head.push(
            h('div.perks-bar', { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': pct, 'aria-label': label }, [h('span', { style: 'width:' + pct + '%' })]),
            h('small', { text: label })
          );
        } else {
          head.push(h('small', { text: t('top_tier') }));
        }
      }
      var rewards = (m.rewards || []).slice().sort(function (a, b) {
        return (b.affordable - a.affordable) || (a.points_cost - b.points_cost);
      });
      var codes = (m.codes || []).slice().sort(function (a, b) { return (a.state !== 'issued') - (b.state !== 'issued'); });
      return [
        h('section.perks-sec', {}, head),
        section(t('redeem_title'), [list(rewards, rewardRow)]),
        section(t('codes_title'), [list(codes, codeRow)]),
        section(t('earn_title'), [list(m.earn || [], earnRow)]),
        m.referral && cfg.referral ? referralView(m.referral) : null,
        tiersView(),
        cfg.history ? section(t('history_title'), [list((m.history || []).slice(0, cfg.page ? 20 : 5), function (x) {
          return h('li.perks-row', {}, [
            h('div', {}, [x.reason, h('small', { text: date(x.at) })]),
            h('span.perks-pos', { text: (x.points > 0 ? '+' : '') + num(x.points) })
          ]);
        })]) : null,
        // Where the mails lead, to stop them
        h('div.perks-acts', {}, [h('button.perks-ghost', {
          type: 'button', text: t('unsubscribe'), onclick: function () { action('/unsubscribe', {}, this); }
        })])
      ];
    }

    // The order a code needs, how long it lasts
    function terms(r) {
      var days = r.code_valid_days;
      return [
        +r.minimum_order > 0 ? h('small.perks-terms', { text: t('min_order', { money: money(r.minimum_order) }) }) : null,
        days ? h('small.perks-terms', { text: counted('valid_days', days) }) : null
      ];
    }

    function rewardRow(r) {
      var li = h('li.perks-row' + (r.affordable ? '' : '.perks-locked'));
      var variable = r.kind === 'points_for_money' && r.step_points, input, worth;
      var info = h('div', {}, [h('strong', { text: r.title }), h('small', { text: pts(r.points_cost) })].concat(terms(r)));
      var acts = h('div.perks-acts');
      function points() { return variable ? +input.value : r.points_cost; }
      function showActions() {
        acts.replaceChildren(r.affordable ? h('button.perks-btn', { type: 'button', text: t('redeem'), onclick: confirm }) : h('span', { text: more(r.points_cost - member.points) }));
      }
      if (variable && r.affordable) {
        var id = 'perks-amt-' + r.id, max = Math.min(r.max_points || member.points, member.points);
        max -= max % r.step_points;
        input = h('input.perks-input', { id: id, type: 'number', min: r.min_points || r.step_points, max: max, step: r.step_points, value: r.min_points || r.step_points, style: 'width:7em' });
        worth = h('small', { 'aria-live': 'polite' });
        input.oninput = function () { worth.textContent = t('worth', { money: money(points() / r.step_points * parseFloat(r.step_value || 1)) }); };
        input.oninput();
        info.append(h('label', { for: id, text: t('amount') }), input, worth);
      }
      function confirm() {
        var n = points(), key = uuid(), yes, msg;
        if (variable && !(n >= +input.min && n <= +input.max && n % r.step_points === 0)) return input.focus();
        msg = h('p', { text: t('confirm', { title: r.title, points: pts(n) }) });
        yes = h('button.perks-btn', { type: 'button', text: t('yes') });
        acts.replaceChildren(msg, yes, h('button.perks-ghost', { type: 'button', text: t('cancel'), onclick: function () { showActions(); acts.firstChild.focus(); } }));
        yes.focus();
        yes.onclick = function () {
          yes.disabled = true;
          api('/redeem', { reward_id: r.id, points: variable ? n : null }, key).then(function (res) {
            member.points = res.balance;
            after(res);
          }, function (e) {
            yes.disabled = false;
            showError(li, e);
            yes.focus();
          });
        };
      }
      showActions();
      li.append(info, acts);
      return li;
    }

    function codeRow(c) {
      var live = c.state === 'issued';
      return h('li.perks-row' + (live ? '' : '.perks-locked'), {}, [
        h('div', {}, [
          h('span.perks-code', { text: c.code }),
          h('small', { text: c.title }),
          h('small', { text: live ? (c.expires_at ? t('expires', { date: date(c.expires_at) }) : '') : t(c.state) })
        ]),
        live ? h('div.perks-acts', {}, [copyBtn(c.code), applyLink(c.code)]) : null
      ]);
    }

    function action(path, data, btn) {
      btn.disabled = true;
      return api(path, data || {}).then(function (res) {
        after({ text: res.points ? t('earned', { points: pts(res.points) }) : res.birthday ? t('birthday_set', { date: monthDay(res.birthday) }) : t('done') });
      }, function (e) {
        btn.disabled = false;
        showError(btn.parentNode, e);
      });
    }

    function earnRow(e) {
      var act = null;
      if (e.key === 'birthday' && member.birthday) {
        act = h('span', { text: t('birthday_set', { date: monthDay(member.birthday) }) });
      } else if (e.per === 'order' || e.per === 'currency_unit') {
        act = null; // repeatable: never "done"
      } else if (e.done) {
        act = h('span', { text: '✓ ' + t('done') });
      } else if (e.key === 'birthday') {
        var id = 'perks-bday', input = h('input.perks-input', { id: id, type: 'date', required: true });
        var save = h('button.perks-btn', { type: 'submit', text: t('save') });
        act = h('form.perks-acts', {
          onsubmit: function (ev) {
            ev.preventDefault();
            if (input.value) action('/birthday', { date: input.value.slice(5) }, save);
          }
        }, [h('label.perks-sr', { for: id, text: t('birthday') }), input, save]);
      } else if (e.url || e.key === 'newsletter') {
        // A follow: the profile (new tab) and the claim, once per network
        var n = e.network || '', b = h('button.perks-ghost', { type: 'button', text: t(e.url ? 'claim' : 'subscribe') });
        b.onclick = function () { action('/actions/' + e.key, { network: n }, b); };
        act = h('div.perks-acts', {}, [e.url && h('a.perks-btn', {
          href: e.url, target: '_blank', rel: 'noopener', text: t('follow', { network: NETS[n] || n })
        }), b]);
      }
      return h('li.perks-row', {}, [h('div', {}, [h('strong', { text: e.title }), h('small', { text: earnText(e) })]), act]);
    }

    function referralView(ref) {
      var id = 'perks-ref-' + (cfg.page ? 'page' : 'panel'), url = ref.url;
      var msg = t('share_msg', { shop: (program && program.shop && program.shop.name) || cfg.shop });
      var enc = encodeURIComponent, share;
      if (shareable) {
        share = [h('button.perks-ghost', {
          type: 'button', text: t('share'),
          onclick: function () { navigator.share({ title: msg, text: msg, url: url }).catch(function () {}); }
        })];
      } else {
        share = [
          ['mailto:?subject=' + enc(msg) + '&body=' + enc(msg + ' ' + url), t('email')],
          ['https://x.com/intent/post?text=' + enc(msg) + '&url=' + enc(url), 'X'],
          ['https://www.facebook.com/sharer/sharer.php?u=' + enc(url), 'Facebook'],
          ['https://wa.me/?text=' + enc(msg + ' ' + url), 'WhatsApp']
        ].map(function (l) { return h('a.perks-ghost', { href: l[0], target: '_blank', rel: 'noopener', text: l[1] }); });
      }
      var offer = program && program.referral;
      return section(t('referral_title'), [
        offer ? h('p', { text: t('ref_offer', { friend: offer.friend_reward, member: offer.member_reward }) }) : null,
        h('label', { for: id, text: t('ref_link') }),
        h('div.perks-ref', {}, [h('input.perks-input', { id: id, readonly: true, value: url, onfocus: function () { this.select(); } }), copyBtn(url)]),
        h('div.perks-acts', {}, share),
        h('small', { text: t('ref_stats', { friends: num(ref.friends), points: pts(ref.points_earned) }) })
      ]);
    }

    load();
    return { refresh: function () { flash = null; return load(); } };
  }

  window.PerksUI = { mount: mount };
})();
