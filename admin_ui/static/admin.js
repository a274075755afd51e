// Perks admin: renders each section from the JSON API under /api.
// Every request carries a session token: App Bridge's (shopify.idToken()) inside
// Shopify admin; the one the page was opened with, refreshed by the demo's own
// endpoint, in a plain browser (the demo and the tests). No framework, no CDN.
"use strict";

(function () {
  const root = document.getElementById("perks");
  const main = document.getElementById("main");
  const shop = root.dataset.shop;
  const demoTokenUrl = root.dataset.demoTokenUrl || null;
  let pageToken = root.dataset.token;

  // ---- session tokens ------------------------------------------------------

  function secondsLeft(token) {
    try {
      const payload = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      return payload.exp - Date.now() / 1000;
    } catch (e) {
      return -1;
    }
  }

  async function sessionToken() {
    // App Bridge mints a fresh token per call; it is there only inside Shopify admin.
    if (window.shopify && typeof window.shopify.idToken === "function") {
      return window.shopify.idToken();
    }
    if (secondsLeft(pageToken) > 10 || !demoTokenUrl) return pageToken;
    const answer = await fetch(demoTokenUrl, { credentials: "same-origin" });
    if (answer.ok) pageToken = (await answer.json()).token;
    return pageToken;
  }

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || "HTTP " + status);
      this.status = status;
      this.fields = (body && body.fields) || {};
    }
  }

  async function request(method, path, body, raw, extraHeaders) {
    const headers = { ...extraHeaders, Authorization: "Bearer " + (await sessionToken()) };
    let payload;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const response = await fetch(path, { method, headers, body: payload });
    if (raw && response.ok) return response;
    const data = (response.headers.get("Content-Type") || "").includes("json") ? await response.json() : null;
    if (!response.ok) {
      if (response.status === 401) banner("Your session has ended. Reload the page to go on.", "critical");
      throw new ApiError(response.status, data);
    }
    return data;
  }
  const api = {
    get: (path) => request("GET", path),
    post: (path, body, headers) => request("POST", path, body, false, headers),
    patch: (path, body) => request("PATCH", path, body),
    put: (path, body) => request("PUT", path, body),
    del: (path) => request("DELETE", path),
  };

  // ---- DOM helpers: text only, never HTML from data ------------------------

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else if (key === "class") el.className = value;
      else if (key === "dataset") Object.assign(el.dataset, value);
      else el.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }
  const SVG = "http://www.w3.org/2000/svg";
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) el.setAttribute(key, value);
    for (const child of children.flat()) if (child !== null && child !== undefined) el.append(child instanceof Node ? child : String(child));
    return el;
  }

  function toast(message, error) {
    if (window.shopify && window.shopify.toast) return window.shopify.toast.show(message, { isError: !!error });
    const el = document.getElementById("toast");
    el.textContent = message;
    el.className = "toast" + (error ? " error" : "");
    el.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (el.hidden = true), 3000);
  }

  function banner(message, tone) {
    const existing = document.getElementById("session-banner");
    if (existing) return;
    root.insertBefore(h("div", { id: "session-banner", class: "banner " + (tone || "") }, message), main);
  }

  const number = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString("en-US"));
  const percent = (r) => (r === null || r === undefined ? "—" : (Number(r) * 100).toFixed(1) + "%");
  let currency = "USD";
  const money = (m) =>
    m === null || m === undefined ? "—" : Number(m).toLocaleString("en-US", { style: "currency", currency: currency });
  const when = (iso) => new Date(iso).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" });

  function page(title, actions, ...body) {
    main.replaceChildren(h("div", { class: "title-bar" }, h("h1", null, title), h("div", { class: "row" }, actions || [])), ...body);
  }

  function card(title, ...body) {
    return h("section", { class: "card" }, title ? h("h2", null, title) : null, ...body);
  }

  function failed(error) {
    main.replaceChildren(card("Something went wrong", h("p", null, error.message)));
  }

  // A form field whose server-side error shows beneath it.
  function field(name, label, input, help) {
    input.name = name;
    input.id = "f-" + name;
    return h("div", { class: "field", dataset: { field: name } }, h("label", { for: input.id }, label), input, help ? h("div", { class: "help" }, help) : null,
      h("div", { class: "field-error", id: "e-" + name }));
  }
  function checkbox(name, label, checked, help) {
    const input = h("input", { type: "checkbox", name, id: "f-" + name, checked: !!checked });
    return h("div", { class: "field", dataset: { field: name } }, h("label", { class: "check", for: input.id }, input, h("span", null, label, help ? h("div", { class: "help" }, help) : null)),
      h("div", { class: "field-error", id: "e-" + name }));
  }
  function showErrors(form, fields) {
    form.querySelectorAll(".field").forEach((f) => {
      const message = fields[f.dataset.field];
      f.classList.toggle("invalid", !!message);
      const slot = f.querySelector(".field-error");
      if (slot) slot.textContent = message || "";
    });
  }

  // ---- router --------------------------------------------------------------

  const sections = {
    home: renderHome,
    earn: renderEarn,
    rewards: renderRewards,
    members: renderMembers,
    member: renderMember,
    analytics: renderAnalytics,
    transfer: renderTransfer,
    expiry: renderExpiry,
    referrals: renderReferrals,
    tiers: renderTiers,
    notifications: renderNotifications,
    launcher: renderLauncher,
    "api-keys": () => renderApiKeys(null),
  };

  function route() {
    const [name, arg] = (location.hash.replace(/^#\/?/, "") || "home").split("/");
    const section = sections[name] ? name : "home";
    document.querySelectorAll(".tabs a").forEach((a) => {
      const current = a.dataset.section === section || (section === "member" && a.dataset.section === "members");
      if (current) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
    document.body.dataset.section = section;
    Promise.resolve(sections[section](arg ? decodeURIComponent(arg) : undefined))
      .then(() => {
        // A mark the tests (and anyone profiling) read: when the section's data was on screen.
        performance.mark("perks:ready:" + section);
        document.body.dataset.ready = section;
      })
      .catch(failed);
  }
  window.addEventListener("hashchange", route);

  // ---- home: the program's switch, the setup checklist, recent changes -----

  async function renderHome() {
    const [{ shop: info, program, checklist }, { changes }] = await Promise.all([api.get("/api/program"), api.get("/api/program/changes")]);
    currency = info.currency;
    const toggle = h("button", { class: program.enabled ? "" : "primary", id: "program-switch" }, program.enabled ? "Turn off" : "Turn on");
    toggle.addEventListener("click", async () => {
      toggle.disabled = true;
      try {
        await api.patch("/api/program", { enabled: !program.enabled });
        toast(program.enabled ? "Program turned off" : "Program turned on");
        await renderHome();
      } catch (error) {
        toast(error.message, true);
        toggle.disabled = false;
      }
    });
    const done = checklist.filter((item) => item.done).length;
    page(
      "Home",
      null,
      h(
        "div",
        { class: "layout two" },
        h(
          "div",
          { class: "stack" },
          card(
            null,
            h(
              "div",
              { class: "switch" },
              h("div", null, h("h2", null, "Loyalty program ", h("span", { class: "badge " + (program.enabled ? "success" : "attention"), id: "program-status" }, program.enabled ? "On" : "Off")),
                h("p", { class: "muted" }, program.enabled ? "Customers earn points on every paid order and action you reward." : "Customers earn nothing while the program is off; their points are kept.")),
              toggle
            )
          ),
          card(
            "Set up your program",
            h("p", { class: "muted" }, done + " of " + checklist.length + " steps done"),
            h("div", { class: "progress" }, h("div", { style: "width:" + (100 * done) / checklist.length + "%" })),
            h("ul", { class: "checklist", id: "checklist" }, checklist.map((item) =>
              h("li", { dataset: { key: item.key, done: item.done ? "yes" : "no" } }, h("span", { class: "tick" + (item.done ? " done" : "") }, item.done ? "✓" : ""),
                item.done ? h("span", null, item.title) : h("a", { href: "#/" + item.section }, item.title))
            ))
          )
        ),
        card(
          "Recent changes",
          changes.length
            ? h("ul", { class: "checklist", id: "changes" }, changes.slice(0, 8).map((c) =>
                h("li", null, h("div", null, h("div", null, describeChange(c)), h("div", { class: "help" }, when(c.at) + " · staff " + c.actor)))))
            : h("p", { class: "muted" }, "Every change to the program shows here, with who made it.")
        )
      )
    );
  }

  function describeChange(change) {
    const parts = Object.keys(change.after).map((k) => k.replace(/_/g, " ") + ": " + show(change.before[k]) + " → " + show(change.after[k]));
    return change.subject.replace(/_/g, " ") + " — " + parts.join(", ");
  }
  const show = (v) => (v === null || v === undefined ? "none" : String(v));

  // ---- earn rules ----------------------------------------------------------

  async function renderEarn() {
    const [{ shop: info, program }, { rules, periods }] = await Promise.all([api.get("/api/program"), api.get("/api/earn-rules")]);
    currency = info.currency;
    const rounding = h("select", null, ["down", "nearest", "up"].map((r) => h("option", { value: r, selected: program.rounding === r }, "Round " + r)));
    const form = h(
      "form",
      { class: "stack", id: "purchase-form", novalidate: true },
      field("points_per_unit", "Points per " + info.currency + " spent", h("input", { type: "text", inputmode: "decimal", value: program.points_per_unit }), "Whole or fractional, e.g. 1 or 0.5"),
      field("rounding", "Rounding", rounding, "How a fraction of a point is settled on each order"),
      field("minimum_order", "Minimum order (" + info.currency + ")", h("input", { type: "text", inputmode: "decimal", value: program.minimum_order }), "Orders below this earn nothing"),
      checkbox("count_shipping", "Shipping earns points", program.count_shipping),
      checkbox("count_tax", "Tax earns points", program.count_tax),
      checkbox("count_discounts", "Earn on the price before discounts", program.count_discounts),
      checkbox("guest_points", "Guests' orders earn points, credited when they create an account", program.guest_points),
      field("signup_points", "Points for joining", h("input", { type: "number", min: 0, step: 1, value: program.signup_points })),
      h("div", { class: "row" }, h("button", { class: "primary", type: "submit", id: "save-purchase" }, "Save"))
    );
    // What an order earns: saved with the rest, and the draft the forecast replays.
    const purchaseRule = () => {
      const f = form.elements;
      return {
        points_per_unit: f.points_per_unit.value.trim(),
        rounding: f.rounding.value,
        minimum_order: f.minimum_order.value.trim(),
        count_shipping: f.count_shipping.checked,
        count_tax: f.count_tax.checked,
        count_discounts: f.count_discounts.checked,
        guest_points: f.guest_points.checked,
      };
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const f = form.elements;
      const changes = {
        ...purchaseRule(),
        signup_points: f.signup_points.value === "" ? null : Number(f.signup_points.value),
      };
      try {
        await api.patch("/api/program", changes);
        showErrors(form, {});
        toast("Earning rules saved");
      } catch (error) {
        showErrors(form, error.fields);
        toast(error.fields && Object.keys(error.fields).length ? "Fix the highlighted fields" : error.message, true);
      }
    });
    const actionRows = rules.map((rule) => {
      const points = h("input", { type: "number", min: 1, step: 1, value: rule.points || "", placeholder: "Off", "aria-label": rule.name + " points" });
      const limit = h("input", { type: "number", min: 1, step: 1, value: rule.limit_count, "aria-label": rule.name + " limit" });
      const period = h("select", { "aria-label": rule.name + " period" }, periods.map((p) => h("option", { value: p, selected: p === rule.limit_period }, p === "ever" ? "ever" : "per " + p)));
      const enabled = h("input", { type: "checkbox", checked: rule.enabled, "aria-label": rule.name + " on" });
      // A social follow links the launcher to the shop's profile; the network follows from the address.
      const url = rule.name === "social_follow"
        ? h("input", { type: "url", name: "url", value: rule.url || "", placeholder: "https://instagram.com/yourshop", "aria-label": rule.name + " profile URL", style: "margin-top:4px" })
        : null;
      const error = h("div", { class: "field-error" });
      const save = h("button", { type: "button" }, "Save");
      save.addEventListener("click", async () => {
        try {
          await api.put("/api/earn-rules/" + encodeURIComponent(rule.name), {
            points: points.value === "" ? null : Number(points.value),
            limit_count: Number(limit.value),
            limit_period: period.value,
            enabled: enabled.checked,
            ...(url ? { url: url.value.trim() || null } : {}),
          });
          if (url) url.removeAttribute("aria-invalid");
          error.textContent = "";
          toast(label(rule.name) + " saved");
        } catch (e) {
          const fields = e.fields || {};
          if (url && "url" in fields) url.setAttribute("aria-invalid", "true");
          error.textContent = Object.entries(fields).map(([k, v]) => (k === "url" ? "Profile URL " : "") + v).join("; ") || e.message;
        }
      });
      return h("tr", { dataset: { rule: rule.name } }, h("td", null, label(rule.name), url, error), h("td", null, points), h("td", null, limit), h("td", null, period), h("td", null, enabled), h("td", null, save));
    });
    const boosts = await renderBoosts();
    const forecast = forecastPanel("earn-forecast");
    // The draft: the purchase rule as typed, and the multipliers with the one being typed (if it names a target).
    const draft = () => {
      const m = boosts.form.elements;
      const pending = m.target_id.value.trim() ? [{ target: m.target.value, target_id: m.target_id.value.trim(), multiplier: m.multiplier.value.trim() }] : [];
      return {
        program: purchaseRule(),
        multipliers: boosts.multipliers.filter((x) => !pending.some((p) => p.target === x.target && p.target_id.replace(/.*\//, "") === x.target_id)).concat(pending),
      };
    };
    for (const source of [form, boosts.form]) {
      source.addEventListener("input", () => forecast.update(draft()));
      source.addEventListener("change", () => forecast.update(draft()));
    }
    forecast.run(draft());
    page(
      "Earn rules",
      null,
      h(
        "div",
        { class: "stack" },
        h("div", { class: "layout halves" }, card("Purchases", form), forecast.el),
        ...boosts.cards,
        card("Actions", h("p", { class: "muted" }, "Points for things members do besides buying; each has a limit so it cannot be farmed."),
          h("table", null, h("thead", null, h("tr", null, h("th", null, "Action"), h("th", null, "Points"), h("th", null, "Times"), h("th", null, "Per"), h("th", null, "On"), h("th"))), h("tbody", null, actionRows)))
      )
    );
  }
  // Promotions and product or collection multipliers: two small cards under the purchase rule.
  async function renderBoosts() {
    const [{ promotions, timezone }, { multipliers }] = await Promise.all([api.get("/api/promotions"), api.get("/api/multipliers")]);
    const promoForm = h("form", { class: "stack", id: "promotion-form", novalidate: true },
      h("div", { class: "grid" },
        field("name", "Name", h("input", { type: "text", placeholder: "Double points weekend" })),
        field("multiplier", "Multiplier", h("input", { type: "text", inputmode: "decimal", value: "2" }), "2 = double points"),
        field("starts_local", "Starts (" + timezone + ")", h("input", { type: "datetime-local" })),
        field("ends_local", "Ends (" + timezone + ")", h("input", { type: "datetime-local" }))),
      h("div", { class: "row" }, h("button", { type: "submit", id: "add-promotion" }, "Add promotion")));
    promoForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const f = promoForm.elements;
      try {
        await api.post("/api/promotions", { name: f.name.value, multiplier: f.multiplier.value, starts_local: f.starts_local.value, ends_local: f.ends_local.value });
        toast("Promotion added");
        await renderEarn();
      } catch (error) {
        showErrors(promoForm, error.fields);
      }
    });
    const remove = (p) => async () => {
      await request("DELETE", "/api/promotions/" + p.id);
      toast("Promotion removed");
      await renderEarn();
    };
    const multForm = h("form", { class: "row", id: "multiplier-form", novalidate: true },
      field("target", "For a", h("select", null, h("option", { value: "product" }, "product"), h("option", { value: "collection" }, "collection"))),
      field("target_id", "Shopify id", h("input", { type: "text", placeholder: "gid://shopify/Product/… or 123" })),
      field("multiplier", "Multiplier", h("input", { type: "text", inputmode: "decimal", value: "2" })),
      h("button", { type: "submit", id: "set-multiplier" }, "Set"));
    // Its multiplier field shares a name with the promotion's: keep the ids apart.
    multForm.querySelectorAll("[id]").forEach((el) => (el.id = "mult-" + el.id));
    multForm.querySelectorAll("label[for]").forEach((el) => el.setAttribute("for", "mult-" + el.getAttribute("for")));
    multForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const f = multForm.elements;
      try {
        await api.put("/api/multipliers", { target: f.target.value, target_id: f.target_id.value.trim(), multiplier: f.multiplier.value.trim() });
        toast("Multiplier set");
        await renderEarn();
      } catch (error) {
        showErrors(multForm, error.fields);
      }
    });
    const cards = [
      card("Promotions", h("p", { class: "muted" }, "Multiply earning for a while; overlapping promotions do not compound, the largest applies."),
        promotions.length
          ? h("table", { id: "promotions" }, h("tbody", null, promotions.map((p) => h("tr", null, h("td", null, p.name, " ", p.running ? h("span", { class: "badge success" }, "Running") : null),
              h("td", { class: "num" }, "×" + p.multiplier), h("td", null, p.starts_local.replace("T", " ") + " → " + p.ends_local.replace("T", " ")),
              h("td", null, h("button", { type: "button", class: "plain", onclick: remove(p) }, "Remove"))))))
          : null,
        promoForm),
      card("Product and collection multipliers", h("p", { class: "muted" }, "More points on high-margin goods."),
        multipliers.length
          ? h("table", { id: "multipliers" }, h("tbody", null, multipliers.map((m) => h("tr", null, h("td", null, m.target + " " + m.target_id), h("td", { class: "num" }, "×" + m.multiplier)))))
          : null,
        multForm),
    ];
    return { cards, multipliers, form: multForm };
  }

  const LABELS = { signup: "Creating an account", birthday: "Birthday", review: "Product review", social_follow: "Social follow", social_share: "Social share", newsletter: "Newsletter sign-up", profile: "Completed profile", survey: "Survey answered" };
  const label = (name) => LABELS[name] || name.replace("custom:", "Custom: ");

  // ---- points expiry and reminders ------------------------------------------

  // A form that saves its fields with one call and shows the server's errors by field.
  function savingForm(id, fields, buttonText, save, savedText) {
    const form = h("form", { class: "stack", id, novalidate: true }, ...fields, h("div", { class: "row" }, h("button", { class: "primary", type: "submit", id: id + "-save" }, buttonText)));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await save(form.elements);
        showErrors(form, {});
        toast(savedText);
      } catch (error) {
        showErrors(form, error.fields || {});
        toast(error.fields && Object.keys(error.fields).length ? "Fix the highlighted fields" : error.message, true);
      }
    });
    return form;
  }
  const wholeOrNull = (input) => (input.value.trim() === "" ? null : Number(input.value));

  async function renderExpiry() {
    const { program } = await api.get("/api/program");
    const form = savingForm("expiry-form", [
      field("expire_after_days", "Points expire after this many days without a purchase or redemption", h("input", { type: "number", min: 1, step: 1, value: program.expire_after_days ?? "", placeholder: "Never" }), "Leave empty: points never expire. Any purchase or redemption restarts the clock."),
      field("expiry_reminder_days", "Remind members this many days before", h("input", { type: "number", min: 0, step: 1, value: program.expiry_reminder_days }), "0: no reminder. Sent once per period, by every notification channel that is on."),
      field("nudge_after_days", "Nudge members who have been quiet this many days", h("input", { type: "number", min: 7, step: 1, value: program.nudge_after_days ?? "", placeholder: "Never" }), "Members whose points already buy a reward hear \u201cyou have N points waiting, enough for \u2026\u201d once per quiet spell. Leave empty: no nudges."),
    ], "Save", (f) => api.patch("/api/program", { expire_after_days: wholeOrNull(f.expire_after_days), expiry_reminder_days: wholeOrNull(f.expiry_reminder_days), nudge_after_days: wholeOrNull(f.nudge_after_days) }), "Expiry and nudges saved");
    page("Points expiry", null, h("div", { class: "layout two" }, card("Expiry, reminders and nudges", form),
      card("How it works", h("p", { class: "muted" }, "Points left unused for the whole period expire at once, with a ledger entry the member sees. Members are reminded first, and a purchase or a redemption starts a new period."))));
  }

  // ---- referrals -------------------------------------------------------------

  const FRIEND_KINDS = { fixed_amount: "Amount off", percentage: "Percentage off", free_shipping: "Free shipping" };

  async function renderReferrals() {
    const { settings: r, referrals } = await api.get("/api/referrals");
    const kind = h("select", null, Object.entries(FRIEND_KINDS).map(([k, v]) => h("option", { value: k, selected: k === r.friend_reward_kind }, v)));
    const form = savingForm("referral-form", [
      checkbox("enabled", "Members can refer friends", r.enabled),
      field("referrer_points", "Points for the member, once the friend's first order is confirmed", h("input", { type: "number", min: 0, step: 1, value: r.referrer_points })),
      h("div", { class: "grid" },
        field("friend_reward_kind", "The friend's welcome reward", kind),
        field("friend_reward_value", "Its value (money, or percent)", h("input", { type: "text", inputmode: "decimal", value: r.friend_reward_value })),
        field("friend_reward_minimum", "Minimum order for the friend's code", h("input", { type: "text", inputmode: "decimal", value: r.friend_reward_minimum || "", placeholder: "None" })),
        field("friend_code_valid_days", "The code is valid for (days)", h("input", { type: "number", min: 1, step: 1, value: r.friend_code_valid_days ?? "", placeholder: "Always" }))),
      h("div", { class: "grid" },
        field("minimum_order", "The friend's order must be at least", h("input", { type: "text", inputmode: "decimal", value: r.minimum_order })),
        field("waiting_days", "Days to wait for refunds before paying the member", h("input", { type: "number", min: 0, step: 1, value: r.waiting_days }))),
    ], "Save", (f) => api.put("/api/referrals/settings", {
      enabled: f.enabled.checked,
      referrer_points: wholeOrNull(f.referrer_points),
      friend_reward_kind: f.friend_reward_kind.value,
      friend_reward_value: f.friend_reward_value.value.trim(),
      friend_reward_minimum: f.friend_reward_minimum.value.trim() || null,
      friend_code_valid_days: wholeOrNull(f.friend_code_valid_days),
      minimum_order: f.minimum_order.value.trim(),
      waiting_days: wholeOrNull(f.waiting_days),
    }), "Referral offer saved");
    const list = referrals.length
      ? h("table", { id: "referrals" }, h("thead", null, h("tr", null, h("th", null, "Member"), h("th", null, "Friend"), h("th", null, "State"), h("th", { class: "num" }, "Revenue"), h("th", { class: "num" }, "Points"), h("th", null, "Since"))),
          h("tbody", null, referrals.map((x) => h("tr", null, h("td", null, x.referrer.email || x.referrer.customer_id), h("td", null, x.friend.email || x.friend.customer_id),
            h("td", null, h("span", { class: "badge " + ({ rewarded: "success", rejected: "critical", qualified: "attention" }[x.state] || "") }, x.state), x.reason ? h("div", { class: "help" }, x.reason.replace(/_/g, " ")) : null),
            h("td", { class: "num" }, money(x.revenue)), h("td", { class: "num" }, number(x.points)), h("td", null, when(x.created_at))))))
      : h("p", { class: "muted" }, "No referrals yet: each member's link is in the launcher.");
    page("Referrals", null, h("div", { class: "stack" }, card("The offer", form), card("Referrals", list)));
  }

  // ---- VIP tiers -------------------------------------------------------------

  async function renderTiers() {
    const data = await api.get("/api/tiers");
    const rows = h("tbody", { id: "tier-rows" });
    const addRow = (t) => {
      // The .field box sits inside the cell: a grid on the <td> itself would take it out of the table's layout.
      const cell = (name, input) => h("td", null, h("div", { class: "field", dataset: { field: name } }, input, h("div", { class: "field-error" })));
      rows.append(h("tr", { dataset: { id: t.id ?? "" } },
        cell("name", h("input", { type: "text", value: t.name, "aria-label": "Tier name" })),
        cell("threshold", h("input", { type: "text", inputmode: "decimal", value: t.threshold, "aria-label": "Threshold" })),
        cell("multiplier", h("input", { type: "text", inputmode: "decimal", value: t.multiplier, "aria-label": "Earn multiplier" })),
        cell("entry_points", h("input", { type: "number", min: 0, step: 1, value: t.entry_points, "aria-label": "Entry points" })),
        cell("perks", h("textarea", { rows: 2, "aria-label": "Perks, one a line" }, (t.perks || []).join("\n"))),
        h("td", { class: "num" }, t.members === undefined ? "new" : number(t.members)),
        h("td", null, h("button", { type: "button", class: "plain", onclick: (e) => e.target.closest("tr").remove() }, "Remove"))));
    };
    data.tiers.forEach(addRow);
    const basis = h("select", null, [["points", "Points earned"], ["spend", "Money spent"]].map(([v, t]) => h("option", { value: v, selected: v === data.basis }, t)));
    const period = h("select", null, [["lifetime", "Lifetime"], ["calendar_year", "Calendar year"], ["rolling_12_months", "Rolling 12 months"]].map(([v, t]) => h("option", { value: v, selected: v === data.period }, t)));
    const form = h("form", { class: "stack", id: "tiers-form", novalidate: true },
      h("div", { class: "grid" }, field("basis", "Members move up by", basis), field("period", "Counted over", period, "Members move up at once and down only at the window's end.")),
      h("table", null, h("thead", null, h("tr", null, h("th", null, "Tier"), h("th", null, "Threshold"), h("th", null, "Multiplier"), h("th", null, "Entry points"), h("th", null, "Perks"), h("th", { class: "num" }, "Members"), h("th"))), rows),
      h("div", { class: "field-error", id: "e-tiers" }),
      h("div", { class: "row" }, h("button", { type: "button", id: "add-tier", onclick: () => addRow({ name: "", threshold: "", multiplier: "1", entry_points: 0, perks: [] }) }, "Add tier"),
        h("button", { class: "primary", type: "submit", id: "save-tiers" }, "Save tiers")));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const tiers = [...rows.children].map((tr) => {
        const [name, threshold, multiplier, entry, perks] = tr.querySelectorAll("input, textarea");
        return { id: tr.dataset.id ? Number(tr.dataset.id) : null, name: name.value, threshold: threshold.value.trim(), multiplier: multiplier.value.trim(), entry_points: Number(entry.value || 0), perks: perks.value.split("\n").map((p) => p.trim()).filter(Boolean) };
      });
      try {
        await api.put("/api/tiers", { basis: basis.value, period: period.value, tiers });
        toast("Tiers saved");
        await renderTiers();
      } catch (error) {
        const fields = error.fields || {};
        [...rows.children].forEach((tr, n) => tr.querySelectorAll(".field").forEach((box) => {
          const message = fields["tiers." + n + "." + box.dataset.field];
          box.classList.toggle("invalid", !!message);
          box.querySelector(".field-error").textContent = message || "";
        }));
        form.querySelector("#e-tiers").textContent = fields.tiers || fields.basis || fields.period || "";
        toast(Object.keys(fields).length ? "Fix the highlighted fields" : error.message, true);
      }
    });
    page("VIP tiers", null, card("Tiers", h("p", { class: "muted" }, "Each tier multiplies what its members earn and can give points once on entry."), form));
  }

  // ---- notifications: channels, the merchant's texts per kind and language, a preview by the notifier ----

  const KIND_NAMES = { points_earned: "Points earned", points_expiring: "Points about to expire", points_expired: "Points expired", birthday: "Birthday", dormant_nudge: "Points waiting (nudge)" };
  const LANGUAGE_NAMES = { en: "English", fr: "Français", de: "Deutsch", es: "Español", "pt-BR": "Português (Brasil)", ro: "Română", "zh-CN": "简体中文", "zh-TW": "繁體中文" };
  const debounce = (fn, ms) => { let timer; return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); }; };

  async function renderNotifications() {
    const data = await api.get("/api/notifications");
    const draft = JSON.parse(JSON.stringify(data.texts));
    const kind = h("select", null, data.kinds.map((k) => h("option", { value: k }, KIND_NAMES[k] || k)));
    const language = h("select", null, data.languages.map((l) => h("option", { value: l }, LANGUAGE_NAMES[l] || l)));
    const subject = h("input", { type: "text", maxlength: 150 });
    const body = h("textarea", { rows: 7, maxlength: 5000 });
    const placeholders = h("div", { class: "help", id: "placeholders" });
    const ownBadge = h("span", { class: "badge", id: "text-source" });
    const previewSubject = h("div", { class: "mail-subject", id: "preview-subject" });
    const previewBody = h("div", { class: "mail-body", id: "preview-body" });
    const otherErrors = h("div", { class: "field-error", id: "e-texts" });
    const builtIn = () => data.built_in[kind.value][language.value] || data.built_in[kind.value].en;
    const own = () => (draft[kind.value] || {})[language.value];
    function load() {
      const text = own() || builtIn();
      subject.value = text.subject;
      body.value = text.body;
      placeholders.textContent = "You can use " + data.placeholders[kind.value].map((p) => "$" + p).join(", ") + ". Write $$ for a dollar sign.";
      showErrors(form, {});
      sourceBadge();
      preview();
    }
    function sourceBadge() {
      ownBadge.textContent = own() ? "Your text" : "Built-in text";
      ownBadge.className = "badge" + (own() ? " success" : "");
    }
    function keep() {
      // Only a text that differs from the built-in one is the merchant's own.
      const b = builtIn();
      const texts = (draft[kind.value] = draft[kind.value] || {});
      if (subject.value.trim() === b.subject && body.value.trim() === b.body) delete texts[language.value];
      else texts[language.value] = { subject: subject.value, body: body.value };
      sourceBadge();
    }
    const preview = debounce(async () => {
      try {
        const shown = await api.post("/api/notifications/preview", { kind: kind.value, language: language.value, subject: subject.value, body: body.value });
        previewSubject.textContent = shown.subject;
        previewBody.textContent = shown.body;
        showErrors(form, {});
      } catch (error) {
        showErrors(form, error.fields || {});
      }
    }, 200);
    const form = h("form", { class: "stack", id: "notifications-form", novalidate: true },
      h("div", { class: "stack", id: "channels" },
        checkbox("email", "Email members", data.channels.email, "In the member's language, with an unsubscribe line. Needs the deployment's mail server."),
        checkbox("metafields", "Keep points on the Shopify customer (metafields)", data.channels.metafields, "perks.points and perks.tier, for Shopify Email, Flow and Klaviyo segments."),
        checkbox("flow", "Start Shopify Flow workflows", data.channels.flow, "The Perks triggers: points earned, points expiring.")),
      h("div", { class: "grid" }, field("kind", "Message", kind), field("language", "Language", language)),
      h("div", { class: "row spread" }, h("h3", null, "Text"), ownBadge),
      field("subject", "Subject", subject),
      field("body", "Body", body, placeholders),
      otherErrors,
      h("div", { class: "row" },
        h("button", { type: "button", id: "use-built-in", onclick: () => { delete (draft[kind.value] || {})[language.value]; load(); } }, "Use the built-in text"),
        h("button", { class: "primary", type: "submit", id: "save-notifications" }, "Save")));
    kind.addEventListener("change", load);
    language.addEventListener("change", load);
    for (const input of [subject, body]) input.addEventListener("input", () => { keep(); preview(); });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      keep();
      const f = form.elements;
      try {
        const saved = await api.put("/api/notifications", { channels: { email: f.email.checked, metafields: f.metafields.checked, flow: f.flow.checked }, texts: draft });
        data.texts = saved.texts;
        otherErrors.textContent = "";
        showErrors(form, {});
        toast("Notifications saved");
      } catch (error) {
        const fields = error.fields || {};
        const here = "texts." + kind.value + "." + language.value + ".";
        const mine = {};
        const elsewhere = [];
        for (const [key, message] of Object.entries(fields)) {
          if (key.startsWith(here)) mine[key.slice(here.length)] = message;
          else if (key.startsWith("channels.")) mine[key.slice(9)] = message;
          else elsewhere.push(key.replace(/^texts\./, "") + ": " + message);
        }
        showErrors(form, mine);
        otherErrors.textContent = elsewhere.join("; ");
        toast(Object.keys(fields).length ? "Fix the highlighted fields" : error.message, true);
      }
    });
    page("Notifications", null, h("div", { class: "layout halves" },
      card("Channels and texts", form),
      h("div", { class: "stack" },
        card("Preview", h("p", { class: "help" }, "As the notifier writes it for a member called Ada, with your shop's name."), h("div", { class: "mail", id: "mail-preview" }, previewSubject, previewBody)))));
    load();
  }

  // ---- the launcher's look, beside a live preview of the real launcher ----

  async function renderLauncher() {
    const data = await api.get("/api/launcher");
    const { shop: info } = await api.get("/api/program");
    const texts = JSON.parse(JSON.stringify(data.texts));
    const colour = (name, label, value) => {
      const text = h("input", { type: "text", value, maxlength: 7, spellcheck: "false", "aria-label": label + " (hex)" });
      const picker = h("input", { type: "color", value, "aria-label": label, tabindex: "-1" });
      picker.addEventListener("input", () => { text.value = picker.value; changed(); });
      text.addEventListener("input", () => { if (/^#[0-9a-f]{6}$/i.test(text.value.trim())) picker.value = text.value.trim().toLowerCase(); changed(); });
      const box = field(name, label, text);
      box.querySelector("label").after(h("div", { class: "colour" }, picker, text));
      return box;
    };
    const position = h("select", null, [["bottom-right", "Bottom right"], ["bottom-left", "Bottom left"]].map(([v, t]) => h("option", { value: v, selected: v === data.position }, t)));
    const language = h("select", { id: "look-language" }, data.languages.map((l) => h("option", { value: l }, LANGUAGE_NAMES[l] || l)));
    const label = h("input", { type: "text", maxlength: 40 });
    const title = h("input", { type: "text", maxlength: 60 });
    const as = h("select", { id: "preview-as", "aria-label": "Preview as" }, [["member", "A member"], ["visitor", "A visitor"]].map(([v, t]) => h("option", { value: v }, t)));
    const contrast = h("div", { id: "contrast", class: "help" });
    const warnings = h("div", { id: "look-warnings", class: "stack" });
    const frame = h("iframe", { id: "launcher-preview", title: "Launcher preview", class: "launcher-frame", loading: "eager" });
    // The frame is as wide as a small desktop window (the launcher turns into a bottom sheet under
    // 480px), scaled down to fit the card, so the preview shows the button in its corner below the panel.
    const stage = h("div", { class: "launcher-stage" }, frame);
    new ResizeObserver(() => {
      const scale = Math.min(1, stage.clientWidth / frame.offsetWidth);
      frame.style.transform = "scale(" + scale + ")";
      stage.style.height = frame.offsetHeight * scale + "px";
    }).observe(stage);
    let shown = language.value; // the language the two text fields hold
    function loadTexts() {
      shown = language.value;
      const mine = texts[shown] || {};
      const defaults = data.default_texts[language.value];
      label.value = mine.button_label || "";
      title.value = mine.title || "";
      label.placeholder = defaults.button_label;
      title.placeholder = defaults.title;
    }
    function keepTexts() {
      const entry = { button_label: label.value.trim(), title: title.value.trim() };
      if (entry.button_label || entry.title) texts[shown] = entry;
      else delete texts[shown];
    }
    const form = h("form", { class: "stack", id: "launcher-form", novalidate: true },
      h("div", { class: "grid" },
        colour("primary_color", "Button and header colour", data.primary_color),
        colour("background_color", "Panel background", data.background_color),
        colour("text_color", "Panel text", data.text_color)),
      contrast, warnings,
      field("position", "Corner", position),
      h("div", { class: "row spread" }, h("h3", null, "Texts"), h("div", { class: "field inline" }, h("label", { for: "look-language" }, "Language"), language)),
      field("button_label", "Button label", label, "Empty: the translated default shown in grey."),
      field("title", "Panel title", title),
      h("div", { class: "row" }, h("button", { class: "primary", type: "submit", id: "save-launcher" }, "Save")));
    const draft = () => {
      const f = form.elements;
      keepTexts();
      return { primary_color: f.primary_color.value.trim(), background_color: f.background_color.value.trim(), text_color: f.text_color.value.trim(), position: position.value, texts };
    };
    function previewUrl(look) {
      const own = look.texts[language.value] || {};
      return "/launcher-preview?" + new URLSearchParams({ primary_color: look.primary_color, background_color: look.background_color, text_color: look.text_color,
        position: look.position, locale: language.value, button_label: own.button_label || "", title: own.title || "", shop: info.name || info.domain, as: as.value });
    }
    const check = debounce(async (look) => {
      try {
        const answer = await api.post("/api/launcher/check", look);
        showErrors(form, {});
        showChecks(answer.checks);
      } catch (error) {
        showErrors(form, error.fields || {});
      }
    }, 200);
    function showChecks(checks) {
      contrast.textContent = "Text on background: contrast " + checks.text_on_background.toFixed(2) + ":1 (at least 4.5:1 reads well)";
      warnings.replaceChildren(...checks.warnings.map((w) => h("div", { class: "banner warning", dataset: { field: w.field } }, w.message)));
    }
    const refresh = debounce((look) => { frame.src = previewUrl(look); }, 250);
    function changed() {
      const look = draft();
      refresh(look);
      check(look);
    }
    form.addEventListener("input", (event) => { if (event.target.type !== "color") changed(); });
    position.addEventListener("change", changed);
    language.addEventListener("change", () => { keepTexts(); loadTexts(); changed(); });
    as.addEventListener("change", changed);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const saved = await api.put("/api/launcher", draft());
        showErrors(form, {});
        showChecks(saved.checks);
        toast("Launcher saved");
      } catch (error) {
        const fields = error.fields || {};
        const here = "texts." + language.value + ".";
        showErrors(form, Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.startsWith(here) ? k.slice(here.length) : k, v])));
        toast(Object.keys(fields).length ? "Fix the highlighted fields" : error.message, true);
      }
    });
    loadTexts();
    showChecks(data.checks);
    frame.src = previewUrl(draft());
    page("Launcher", null, h("div", { class: "layout halves launcher-layout" },
      card("Look and texts", h("p", { class: "muted" }, "How the rewards button and panel look on your storefront. On a live theme, the Perks app embed's own settings in the theme editor win."), form),
      card(null, h("div", { class: "row spread" }, h("h2", null, "Live preview"), as), stage)));
  }

  // ---- forecast: the last 90 days replayed through the draft, beside today's rules ----

  function forecastPanel(id) {
    const body = h("div", { id, class: "stack forecast", dataset: { state: "idle" } }, h("p", { class: "muted" }, "Replaying the last 90 days…"));
    let timer;
    let sequence = 0;
    // Typing fires many drafts; only the newest answer is shown.
    async function run(draft) {
      clearTimeout(timer);
      const mine = ++sequence;
      body.dataset.state = "loading";
      try {
        const data = await api.post("/api/forecast", draft);
        if (mine !== sequence) return;
        body.replaceChildren(...forecastView(data));
        body.dataset.state = "ready";
      } catch (error) {
        if (mine !== sequence) return;
        const problems = Object.entries(error.fields || {}).map(([k, v]) => k.replace(/^program\./, "").replace(/_/g, " ") + " " + v);
        body.replaceChildren(h("div", { class: "banner warning", id: id + "-invalid" }, "The forecast waits for valid values: " + (problems.join("; ") || error.message)));
        body.dataset.state = "invalid";
      }
      body.dataset.runs = String(mine);
    }
    function update(draft) {
      clearTimeout(timer);
      timer = setTimeout(() => run(draft), 250);
    }
    const help = h("p", { class: "help" }, "What your draft would have done to your paid orders of the last 90 days, beside today's rules. Nothing is saved until you save.");
    return { el: h("section", { class: "card forecast-card" }, h("h2", null, "Forecast"), help, body), run, update };
  }

  function forecastView(data) {
    currency = data.currency;
    const { today, draft } = data;
    const delta = (a, b, format) => {
      if (a === null || b === null || a === undefined || b === undefined) return "—";
      const d = Number(b) - Number(a);
      if (Math.abs(d) < 1e-9) return "same";
      const pct = Number(a) ? " (" + (d > 0 ? "+" : "") + ((100 * d) / Number(a)).toFixed(0) + "%)" : "";
      return (d > 0 ? "+" : "−") + format(Math.abs(d)) + pct;
    };
    const row = (key, label, a, b, format, note) =>
      h("tr", { dataset: { row: key, changed: String(a) !== String(b) ? "yes" : "no" } },
        h("th", { scope: "row" }, label, note ? h("div", { class: "help" }, note) : null),
        h("td", { class: "num", id: "fc-" + key + "-today" }, a === null ? "—" : format(a)),
        h("td", { class: "num", id: "fc-" + key + "-draft" }, b === null ? "—" : format(b)),
        h("td", { class: "num delta" }, delta(a, b, format)));
    const rewardsNote = draft.cheapest_reward_points ? "at the cheapest reward, " + number(draft.cheapest_reward_points) + " points" : "no reward to redeem";
    return [
      h("p", { class: "muted" }, number(data.orders) + " paid orders since " + new Date(data.since).toLocaleDateString("en-US", { dateStyle: "medium" }) + "."),
      h("table", { class: "forecast-table" },
        h("thead", null, h("tr", null, h("th"), h("th", { class: "num" }, "Today"), h("th", { class: "num" }, "Draft"), h("th", { class: "num" }, "Change"))),
        h("tbody", null,
          row("points", "Points issued", today.points_issued, draft.points_issued, number, "after refunds and cancellations"),
          row("orders", "Orders earning", today.orders_earning, draft.orders_earning, number),
          row("liability", "Outstanding liability", today.liability, draft.liability, money, draft.point_value ? "a point is worth " + money(draft.point_value) : "add a money reward to value points"),
          row("redeemed", "Projected redemptions", today.projected_redemption_value, draft.projected_redemption_value, money, draft.projected_redeemed_points === null ? null : number(draft.projected_redeemed_points) + " points"),
          row("rewards", "Rewards redeemed", today.projected_rewards, draft.projected_rewards, number, rewardsNote))),
      h("ul", { class: "assumptions help" }, data.assumptions.map((a) => h("li", null, a))),
    ];
  }

  // ---- rewards -------------------------------------------------------------

  const REWARD_KINDS = { fixed_amount: "Amount off", percentage: "Percentage off", free_shipping: "Free shipping", free_product: "Free product", store_credit: "Store credit", points_for_money: "Points for money" };

  async function renderRewards() {
    let rewards;
    try {
      ({ rewards } = await api.get("/api/rewards"));
    } catch (error) {
      if (error.status !== 404) throw error;
      return page("Rewards", null, card(null, h("div", { class: "empty" }, h("h2", null, "Rewards are on their way"), h("p", null, "What members can spend points on will be set here."))));
    }
    const list = rewards.length
      ? h("table", { id: "rewards" }, h("thead", null, h("tr", null, h("th", null, "Reward"), h("th", null, "Kind"), h("th", { class: "num" }, "Points"), h("th", { class: "num" }, "Value"), h("th", null, "Status"), h("th"))),
          h("tbody", null, rewards.map((r) => h("tr", { dataset: { reward: r.id } }, h("td", null, r.title), h("td", null, REWARD_KINDS[r.kind] || r.kind), h("td", { class: "num" }, number(r.points_cost)),
            h("td", { class: "num" }, r.kind === "percentage" ? r.value + "%" : ["fixed_amount", "store_credit", "points_for_money"].includes(r.kind) ? money(r.value) : "—"),
            h("td", null, h("span", { class: "badge " + (r.enabled ? "success" : "") }, r.enabled ? "Active" : "Off")),
            h("td", null, h("button", { type: "button", class: "plain", onclick: () => rewardForm(r, rewards) }, "Edit"))))))
      : h("div", { class: "empty" }, h("h2", null, "No rewards yet"), h("p", null, "Add what members can spend their points on."));
    page("Rewards", h("button", { class: "primary", id: "new-reward", onclick: () => rewardForm(null, rewards) }, "Add reward"), card(null, list), h("div", { id: "reward-editor" }));
  }

  function rewardForm(reward, catalogue) {
    const r = reward || { title: "", kind: "fixed_amount", points_cost: 500, value: "5", enabled: true, minimum_order: null };
    const kind = h("select", null, Object.entries(REWARD_KINDS).map(([k, v]) => h("option", { value: k, selected: k === r.kind }, v)));
    const form = h(
      "form",
      { class: "stack", id: "reward-form", novalidate: true },
      field("title", "Title", h("input", { type: "text", value: r.title })),
      field("kind", "Kind", kind),
      field("points_cost", "Points", h("input", { type: "number", min: 1, step: 1, value: r.points_cost })),
      field("value", "Value (money off, or percent)", h("input", { type: "text", inputmode: "decimal", value: r.value })),
      field("minimum_order", "Minimum order (optional)", h("input", { type: "text", inputmode: "decimal", value: r.minimum_order || "" })),
      checkbox("enabled", "Members can redeem it", r.enabled),
      h("div", { class: "row" }, h("button", { class: "primary", type: "submit", id: "save-reward" }, reward ? "Save reward" : "Add reward"),
        h("button", { type: "button", onclick: () => document.getElementById("reward-editor").replaceChildren() }, "Cancel"))
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const f = form.elements;
      const body = { title: f.title.value, kind: f.kind.value, points_cost: Number(f.points_cost.value), value: f.value.value.trim(), minimum_order: f.minimum_order.value.trim() || null, enabled: f.enabled.checked };
      try {
        if (reward) await api.patch("/api/rewards/" + reward.id, body);
        else await api.post("/api/rewards", body);
        toast(reward ? "Reward saved" : "Reward added");
        await renderRewards();
      } catch (error) {
        showErrors(form, error.fields);
        toast(error.message, true);
      }
    });
    // The catalogue as it would be with this reward saved: what a point is worth, and what members could redeem.
    const forecast = forecastPanel("reward-forecast");
    const draft = () => {
      const f = form.elements;
      const edited = { kind: f.kind.value, points_cost: Number(f.points_cost.value), value: f.value.value.trim() || "0", enabled: f.enabled.checked };
      const others = (catalogue || []).filter((x) => !reward || x.id !== reward.id).map((x) => ({ kind: x.kind, points_cost: x.points_cost, value: x.value, enabled: x.enabled }));
      return { rewards: others.concat([edited]) };
    };
    form.addEventListener("input", () => forecast.update(draft()));
    form.addEventListener("change", () => forecast.update(draft()));
    forecast.run(draft());
    document.getElementById("reward-editor").replaceChildren(h("div", { class: "layout halves" }, card(reward ? "Edit " + reward.title : "New reward", form), forecast.el));
    form.elements.title.focus();
  }

  // ---- members -------------------------------------------------------------

  async function renderMembers(query) {
    const search = h("input", { type: "search", id: "member-search", placeholder: "Search by name, email or customer id", value: query || "", "aria-label": "Search members" });
    const results = h("div", { id: "member-results" });
    let offset = 0;
    async function load() {
      const q = search.value.trim();
      const data = await api.get("/api/members?" + new URLSearchParams({ q, offset, limit: 25 }));
      results.replaceChildren(
        data.members.length
          ? h("table", null, h("thead", null, h("tr", null, h("th", null, "Name"), h("th", null, "Email"), h("th", { class: "num" }, "Points"), h("th", null, "Joined"))),
              h("tbody", null, data.members.map((m) => h("tr", { class: "clickable", dataset: { customer: m.customer_id }, onclick: () => (location.hash = "#/member/" + m.customer_id) },
                h("td", null, h("a", { href: "#/member/" + m.customer_id }, fullName(m))), h("td", null, m.email || "—"), h("td", { class: "num" }, number(m.points)), h("td", null, new Date(m.joined_at).toLocaleDateString("en-US"))))))
          : h("div", { class: "empty" }, h("p", null, q ? "No member matches “" + q + "”." : "No members yet: they appear with their first order or account.")),
        h("div", { class: "row spread" },
          h("button", { type: "button", disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - 25); load(); } }, "Previous"),
          h("button", { type: "button", disabled: !data.has_more, onclick: () => { offset += 25; load(); } }, "Next"))
      );
    }
    let timer;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => { offset = 0; load().catch(failed); }, 200);
    });
    page("Members", null, card(null, h("div", { class: "stack" }, search, results)));
    await load();
  }
  const fullName = (m) => [m.first_name, m.last_name].filter(Boolean).join(" ") || m.email || "Customer " + m.customer_id;

  async function renderMember(customerId) {
    const data = await api.get("/api/members/" + encodeURIComponent(customerId));
    let redemptions = [];
    try {
      ({ redemptions } = await api.get("/api/members/" + encodeURIComponent(customerId) + "/redemptions"));
    } catch (error) {
      if (error.status !== 404) throw error;
    }
    const m = data.member;
    const form = h(
      "form",
      { class: "stack", id: "adjust-form", novalidate: true },
      field("points", "Points to add (negative to take away)", h("input", { type: "number", step: 1 })),
      field("reason", "Reason", h("input", { type: "text", maxlength: 500 }), "Kept with the change, and shown to you in the history"),
      checkbox("confirm_negative", "Allow the balance to go below zero", false, "Only when the member owes points, say for a refund made outside Shopify"),
      h("div", { class: "row" }, h("button", { class: "primary", type: "submit", id: "adjust" }, "Adjust points"))
    );
    // One Idempotency-Key per adjustment the merchant means: a double click, or a click again after
    // an answer was lost, sends the same key, and the server makes the adjustment once.
    let attempt = null;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("#adjust");
      if (button.disabled) return;
      const f = form.elements;
      const points = f.points.value === "" ? null : Number(f.points.value);
      const errors = {};
      if (!Number.isInteger(points) || points === 0) errors.points = "must be a whole number other than 0";
      if (!f.reason.value.trim()) errors.reason = "say why";
      if (Object.keys(errors).length) return showErrors(form, errors);
      const body = { points, reason: f.reason.value.trim(), confirm_negative: f.confirm_negative.checked };
      if (!attempt || attempt.points !== body.points || attempt.reason !== body.reason || attempt.confirm_negative !== body.confirm_negative) {
        const key = crypto.randomUUID ? crypto.randomUUID() : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
        attempt = { ...body, key };
      }
      button.disabled = true;
      try {
        const answer = await api.post("/api/members/" + encodeURIComponent(customerId) + "/adjustments", body, { "Idempotency-Key": attempt.key });
        attempt = null;
        toast("Balance is now " + number(answer.balance));
        await renderMember(customerId);
      } catch (error) {
        const lost = !error.status || error.status >= 500;
        const message = lost ? "No answer came back. Adjust again: it will not be made twice." : error.message;
        const fields = !lost && error.fields && Object.keys(error.fields).length ? error.fields : { points: message };
        showErrors(form, fields);
      } finally {
        button.disabled = false;
      }
    });
    page(
      fullName(m),
      h("a", { class: "button", href: "#/members" }, "All members"),
      h(
        "div",
        { class: "layout two" },
        h("div", { class: "stack" },
          card("Points history", data.history.length
            ? h("table", { id: "history" }, h("thead", null, h("tr", null, h("th", null, "When"), h("th", null, "What"), h("th", { class: "num" }, "Points"))),
                h("tbody", null, data.history.map((e) => h("tr", null, h("td", null, when(e.at)), h("td", null, e.reason || e.kind), h("td", { class: "num" }, (e.points > 0 ? "+" : "") + number(e.points))))))
            : h("p", { class: "muted" }, "No points yet.")),
          card("Redemptions", redemptions.length
            ? h("table", null, h("tbody", null, redemptions.map((r) => h("tr", null, h("td", null, r.title), h("td", null, h("code", null, r.code || "")), h("td", null, r.state), h("td", { class: "num" }, number(-r.points))))))
            : h("p", { class: "muted" }, "No rewards redeemed yet."))),
        h("div", { class: "stack" },
          card(null, h("div", { class: "metric" }, h("div", { class: "label" }, "Balance"), h("div", { class: "value", id: "balance" }, number(m.points) + " points")),
            h("p", null, m.email || ""), h("p", { class: "help" }, "Customer " + m.customer_id + " · joined " + new Date(m.joined_at).toLocaleDateString("en-US"))),
          card("Adjust points", form))
      )
    );
  }

  // ---- analytics -----------------------------------------------------------

  function isoDay(d) {
    return d.toISOString().slice(0, 10);
  }

  async function renderAnalytics() {
    const preset = h("select", { id: "period", "aria-label": "Period" }, [["7", "Last 7 days"], ["30", "Last 30 days"], ["90", "Last 90 days"], ["365", "Last 12 months"], ["custom", "Custom"]].map(([v, t]) => h("option", { value: v, selected: v === (renderAnalytics.preset || "30") }, t)));
    const from = h("input", { type: "date", id: "from", "aria-label": "From" });
    const to = h("input", { type: "date", id: "to", "aria-label": "To" });
    const body = h("div", { class: "stack", id: "dashboard" });
    const download = h("button", { type: "button", id: "download-csv" }, "Download CSV");
    function range() {
      if (preset.value === "custom") return { from: from.value, to: to.value };
      const end = new Date();
      const start = new Date(end.getTime() - (Number(preset.value) - 1) * 86400000);
      return { from: isoDay(start), to: isoDay(end) };
    }
    async function load() {
      renderAnalytics.preset = preset.value;
      from.hidden = to.hidden = preset.value !== "custom";
      const r = range();
      if (!r.from || !r.to) return;
      try {
        const data = await api.get("/api/analytics?" + new URLSearchParams(r));
        body.replaceChildren(...dashboard(data));
      } catch (error) {
        body.replaceChildren(h("div", { class: "banner critical" }, Object.values(error.fields || {}).join("; ") || error.message));
      }
    }
    preset.addEventListener("change", () => {
      if (preset.value === "custom" && !from.value) range_defaults();
      load();
    });
    function range_defaults() {
      const end = new Date();
      to.value = isoDay(end);
      from.value = isoDay(new Date(end.getTime() - 29 * 86400000));
    }
    from.addEventListener("change", load);
    to.addEventListener("change", load);
    download.addEventListener("click", async () => {
      const response = await request("GET", "/api/analytics.csv?" + new URLSearchParams(range()), undefined, true);
      saveBlob(await response.blob(), "perks-analytics.csv");
    });
    page("Analytics", [preset, from, to, download], body);
    from.hidden = to.hidden = true;
    await load();
  }

  function dashboard(d) {
    currency = d.currency;
    const metric = (id, labelText, value, note) => card(null, h("div", { class: "metric", id }, h("div", { class: "label" }, labelText), h("div", { class: "value" }, value), note ? h("div", { class: "note" }, note) : null));
    const series = d.series;
    return [
      h("div", { class: "grid" },
        metric("m-members", "Members", number(d.members_total), "+" + number(d.new_members) + " in the period"),
        metric("m-issued", "Points issued", number(d.points_issued)),
        metric("m-redeemed", "Points redeemed", number(d.points_redeemed), "Redemption rate " + percent(d.redemption_rate)),
        metric("m-liability", "Outstanding liability", money(d.liability), number(d.outstanding_points) + " points" + (d.point_value ? " at " + money(d.point_value) + " each" : " (add a money reward to value them)")),
        metric("m-repeat", "Repeat-purchase rate", percent(d.repeat_purchase_rate), "Members with 2+ orders in the period"),
        metric("m-aov", "Average order value", money(d.members.aov), "Members · guests " + money(d.guests.aov)),
        metric("m-revenue", "Revenue from members", money(d.members.revenue), number(d.members.orders) + " orders · guests " + money(d.guests.revenue)),
        metric("m-clv", "Customer lifetime value", money(d.clv), "Churn " + percent(d.churn_rate) + " vs the previous period")),
      card("Members over time", lineChart(series.map((b) => b.label), [{ name: "Members", color: "var(--chart-1)", values: series.map((b) => b.members) }])),
      card("Points issued and redeemed", barChart(series.map((b) => b.label), [
        { name: "Issued", color: "var(--chart-1)", values: series.map((b) => b.points_issued) },
        { name: "Redeemed", color: "var(--chart-3)", values: series.map((b) => b.points_redeemed) },
      ])),
      card("Revenue: members and guests", barChart(series.map((b) => b.label), [
        { name: "Members", color: "var(--chart-2)", values: series.map((b) => Number(b.member_revenue)) },
        { name: "Guests", color: "var(--chart-4)", values: series.map((b) => Number(b.guest_revenue)) },
      ])),
      card("Tier distribution", d.tiers.length
        ? barChart(d.tiers.map((t) => t.name), [{ name: "Members", color: "var(--chart-1)", values: d.tiers.map((t) => t.members) }])
        : h("p", { class: "muted" }, "VIP tiers are not set up yet.")),
    ];
  }

  // ---- charts: inline SVG ----------------------------------------------------

  const W = 640, H = 180, PAD = { l: 44, r: 8, t: 8, b: 22 };

  function axes(labels, max) {
    const nodes = [];
    for (let i = 0; i <= 3; i++) {
      const y = PAD.t + ((H - PAD.t - PAD.b) * i) / 3;
      nodes.push(s("line", { x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, stroke: "#e3e3e3" }));
      nodes.push(s("text", { x: PAD.l - 6, y: y + 3, "text-anchor": "end" }, compact(max * (1 - i / 3))));
    }
    const step = Math.max(1, Math.ceil(labels.length / 8));
    labels.forEach((l, i) => {
      if (i % step) return;
      nodes.push(s("text", { x: xAt(i, labels.length), y: H - 6, "text-anchor": "middle" }, l.slice(5)));
    });
    return nodes;
  }
  const xAt = (i, n) => PAD.l + ((W - PAD.l - PAD.r) * (i + 0.5)) / Math.max(n, 1);
  const yAt = (v, max) => PAD.t + (H - PAD.t - PAD.b) * (1 - v / (max || 1));
  const compact = (v) => (v >= 1e6 ? (v / 1e6).toFixed(1) + "M" : v >= 1e3 ? (v / 1e3).toFixed(1) + "k" : String(Math.round(v)));

  function legend(sets) {
    return h("div", { class: "legend" }, sets.map((set) => h("span", { style: "--c:" + set.color }, set.name)));
  }

  function lineChart(labels, sets) {
    const max = Math.max(1, ...sets.flatMap((set) => set.values));
    const svg = s("svg", { class: "chart", viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": sets.map((x) => x.name).join(", ") + " over time" }, axes(labels, max),
      sets.map((set) => s("polyline", { fill: "none", stroke: set.color, "stroke-width": 2, points: set.values.map((v, i) => xAt(i, labels.length) + "," + yAt(v, max)).join(" ") })));
    return h("div", null, svg, legend(sets));
  }

  function barChart(labels, sets) {
    const max = Math.max(1, ...sets.flatMap((set) => set.values));
    const slot = (W - PAD.l - PAD.r) / Math.max(labels.length, 1);
    const width = Math.max(1, (slot * 0.8) / sets.length);
    const bars = sets.flatMap((set, k) => set.values.map((v, i) => s("rect", { x: PAD.l + slot * i + slot * 0.1 + width * k, y: yAt(v, max), width, height: Math.max(0, H - PAD.b - yAt(v, max)), fill: set.color }, s("title", null, labels[i] + ": " + set.name + " " + number(v)))));
    const svg = s("svg", { class: "chart", viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": sets.map((x) => x.name).join(" and ") }, axes(labels, max), bars);
    return h("div", null, svg, legend(sets));
  }

  // ---- import and export ---------------------------------------------------

  function saveBlob(blob, name) {
    const url = URL.createObjectURL(blob);
    const a = h("a", { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  async function renderTransfer() {
    const file = h("input", { type: "file", accept: ".csv,text/csv" });
    const form = h("form", { class: "stack", id: "import-form", novalidate: true },
      field("file", "CSV file", file, "From Smile.io, LoyaltyLion or Yotpo as they export it, or with the columns email, customer_id, points and tier. Rows that cannot be imported are listed with the reason when it ends; the rest go in."),
      h("div", { class: "row" }, h("button", { class: "primary", type: "submit", id: "start-import" }, "Import")));
    const status = h("div", { id: "import-status", class: "stack" });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (!file.files.length) return showErrors(form, { file: "choose a CSV file to import" });
      const data = new FormData();
      data.append("file", file.files[0]);
      try {
        const { job } = await api.post("/api/imports", data);
        showErrors(form, {});
        await follow(job, status);
        form.dispatchEvent(new Event("perks:imported"));
      } catch (error) {
        showErrors(form, error.fields && Object.keys(error.fields).length ? error.fields : { file: error.message });
      }
    });
    const exportButton = (id, path, name, text) => h("button", { type: "button", id, onclick: async () => {
      const response = await request("GET", path, undefined, true);
      saveBlob(await response.blob(), name);
    } }, text);
    const recent = h("div", { id: "recent-imports" });
    async function loadRecent() {
      const { jobs } = await api.get("/api/imports");
      recent.replaceChildren(jobs.length
        ? h("table", null, h("tbody", null, jobs.map((j) => h("tr", null, h("td", null, j.filename), h("td", null, j.layout || ""), h("td", null, h("span", { class: "badge " + tone(j.status) }, j.status)), h("td", { class: "num" }, rows(j.imported_rows) + (j.refused_rows ? ", " + number(j.refused_rows) + " refused" : "")), h("td", null, when(j.created_at))))))
        : h("p", { class: "muted" }, "No imports yet."));
    }
    form.addEventListener("perks:imported", () => loadRecent().catch(failed));
    await loadRecent();
    page("Import and export", null, h("div", { class: "stack" },
      card("Import members and points", form, status),
      card("Export", h("p", { class: "muted" }, "Your data, whenever you want it: nothing is locked in."), h("div", { class: "row" },
        exportButton("export-members", "/api/exports/members.csv", "perks-members.csv", "Export members"),
        exportButton("export-ledger", "/api/exports/ledger.csv", "perks-ledger.csv", "Export points ledger"))),
      card("Recent imports", recent)));
  }
  const rows = (n) => number(n) + (n === 1 ? " row" : " rows");
  const tone = (state) => ({ done: "success", failed: "critical", running: "attention", queued: "attention" })[state] || "";

  // How long the import page waits between asks: soon while the worker answers, longer after each
  // failed ask (a 500, a dropped connection, a deploy), never more than half a minute.
  const POLL_MS = 400, POLL_MAX_MS = 30000;
  const transient = (error) => !(error instanceof ApiError) || error.status >= 500 || error.status === 408 || error.status === 429;

  async function follow(job, slot) {
    const bar = h("div", { style: "width:0%" });
    const meter = h("div", { class: "progress", id: "import-progress", role: "progressbar", "aria-label": "Import progress", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0" }, bar);
    const text = h("p", { class: "muted", id: "import-progress-text", style: "margin:0" }, "Queued…");
    const note = h("p", { class: "muted", id: "import-retrying", hidden: true });
    slot.replaceChildren(h("div", null, text, meter), note);  // the count right above its bar
    let wait = POLL_MS;
    while (job.status === "queued" || job.status === "running") {
      await new Promise((resolve) => setTimeout(resolve, wait));
      try {
        ({ job } = await api.get("/api/imports/" + job.id));
      } catch (error) {
        // A failed ask is not the import's outcome: the worker goes on, so ask again, later.
        if (!transient(error)) throw error;
        wait = Math.min(wait * 2, POLL_MAX_MS);
        note.hidden = false;
        note.textContent = "Could not reach Perks (" + error.message + "); asking again in " + Math.ceil(wait / 1000) + " s. The import goes on meanwhile.";
        continue;
      }
      wait = POLL_MS;
      note.hidden = true;
      const p = job.progress || { done: 0, total: 0 };
      const share = p.total ? Math.min(100, (100 * p.done) / p.total) : 0;
      bar.style.width = Math.max(share, 2) + "%";
      meter.setAttribute("aria-valuenow", String(Math.round(share)));
      text.textContent = p.total ? number(p.done) + " of " + rows(p.total) + " done" : "Starting…";
    }
    bar.style.width = "100%";
    meter.setAttribute("aria-valuenow", "100");
    slot.replaceChildren(outcome(job));
  }

  function outcome(job) {
    if (job.status === "done") {
      const imported = "Imported " + number(job.imported_rows) + (job.imported_rows === 1 ? " member and " : " members and ") + number(job.points_imported) + " points (" + job.layout + " layout).";
      if (!job.refused_rows) return h("div", { class: "banner success", id: "import-result", dataset: { status: "done" } }, imported);
      return h("div", { class: "banner warning stack", id: "import-result", dataset: { status: "done" } },
        h("p", null, imported),
        h("p", { id: "import-refused-count" }, rows(job.refused_rows) + (job.refused_rows === 1 ? " was not imported. Fix it" : " were not imported. Fix them") + " in a file of their own and import that:"),
        refusedTable(job));
    }
    if (!job.errors.length) {
      return h("div", { class: "banner critical", id: "import-result", dataset: { status: "failed" } },
        "The import stopped before its end. The rows written before it stopped are kept: import the same file again to go on.");
    }
    return h("div", { class: "banner critical stack", id: "import-result", dataset: { status: "failed" } },
      h("p", null, "The import did not finish:"), refusedTable(job));
  }

  function refusedTable(job) {
    const more = job.refused_rows - job.errors.length;
    return h("table", { id: "import-errors" },
      h("thead", null, h("tr", null, h("th", null, "Row"), h("th", null, "Reason"))),
      h("tbody", null, job.errors.map((e) => h("tr", null, h("td", { class: "num" }, e.row > 1 ? number(e.row) : "File"), h("td", null, e.message)))),
      more > 0 ? h("tfoot", null, h("tr", null, h("td", { colspan: "2" }, "…and " + number(more) + " more rows"))) : null);
  }


  // ---- API keys: for the merchant's own apps calling the custom-actions API --

  const SCOPES = {
    "actions:review": "Reviews",
    "actions:social_follow": "Social follows",
    "actions:social_share": "Social shares",
    "actions:survey": "Surveys",
    "actions:custom": "Custom actions",
    "actions:profile": "Completed profiles",
    birthday: "Birthdays",
  };

  // `made`: the answer of the key just made, whose key is shown this once.
  async function renderApiKeys(made) {
    const { keys } = await api.get("/api/api-keys");
    const name = h("input", { type: "text", maxlength: 60, placeholder: "e.g. Judge.me reviews" });
    const boxes = Object.entries(SCOPES).map(([scope, label]) =>
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "scopes", value: scope }), h("span", null, label, " ", h("code", { class: "muted" }, scope))));
    const makeButton = h("button", { type: "submit", class: "primary", id: "make-key" }, "Make key");
    const form = h("form", { id: "api-key-form", class: "stack" },
      field("name", "Name", name, "What the key is for: the app or script that will hold it. Its uses are logged under this name."),
      h("div", { class: "field", dataset: { field: "scopes" } }, h("label", null, "It may report"), h("div", { class: "scopes" }, boxes), h("div", { class: "field-error", id: "e-scopes" })),
      h("div", { class: "row" }, makeButton));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const scopes = [...form.querySelectorAll("input[name=scopes]:checked")].map((box) => box.value);
      if (!scopes.length) return showErrors(form, { scopes: "Pick at least one thing the key may report." });
      makeButton.disabled = true;
      try {
        const answer = await api.post("/api/api-keys", { name: name.value.trim(), scopes });
        toast("Key made");
        await renderApiKeys(answer);
      } catch (error) {
        const fields = Object.fromEntries(Object.entries(error.fields).map(([k, v]) => [k.split(".")[0], v]));
        if (!Object.keys(fields).length) toast(error.message, true);
        showErrors(form, fields);
        makeButton.disabled = false;
      }
    });
    const list = keys.length
      ? h("table", { id: "api-keys" },
          h("thead", null, h("tr", null, h("th", null, "Name"), h("th", null, "Key"), h("th", null, "May report"), h("th", null, "Made"), h("th", null, "Last used"), h("th", null, "Status"), h("th"))),
          h("tbody", null, keys.map(keyRow)))
      : h("div", { class: "empty" }, h("h2", null, "No keys yet"), h("p", null, "Make one for each app that reports reviews, follows, surveys or birthdays."));
    page("API keys", null, h("div", { class: "stack" },
      made ? shownOnce(made) : null,
      h("div", { class: "layout two" },
        card("Keys", list, h("div", { id: "key-uses" })),
        card("Make a key", form)),
      card("What a key can do", h("p", { class: "muted" },
        "Your apps send a key as Authorization: Bearer <key> to Perks' custom-actions API (POST /api/actions, /api/birthday). " +
        "It reports only what you ticked, for members of this shop only. It cannot read members, change rewards or settings, " +
        "or act for another shop. Revoke a key you no longer use: it stops working at once."))));
  }

  function shownOnce(made) {
    const value = h("input", { type: "text", id: "new-key", readonly: true, value: made.key, "aria-label": "The new key" });
    const copy = h("button", { type: "button", id: "copy-key" }, "Copy");
    copy.addEventListener("click", async () => {
      value.select();
      try {
        await navigator.clipboard.writeText(made.key);
      } catch (e) {
        document.execCommand("copy");
      }
      copy.textContent = "Copied";
    });
    return h("div", { class: "banner warning stack", id: "key-once" },
      h("h2", null, "The key for \u201c" + made.api_key.name + "\u201d"),
      h("div", { class: "row key-once" }, value, copy),
      h("p", null, h("strong", null, "Copy it now: it will not be shown again. "), "Perks keeps only a fingerprint of it. If it is lost, revoke it and make another."));
  }

  function keyRow(key) {
    const revoked = !!key.revoked_at;
    const actions = h("td", { class: "key-actions" });
    const usesButton = h("button", { type: "button", class: "plain", onclick: () => showUses(key) }, "Uses");
    const revokeButton = h("button", { type: "button", class: "plain", onclick: () => confirmRevoke(key, actions, [usesButton, revokeButton]) }, "Revoke");
    actions.append(...(revoked ? [usesButton] : [usesButton, " · ", revokeButton]));
    return h("tr", { dataset: { key: key.id } },
      h("td", null, key.name),
      h("td", null, h("code", null, key.prefix + "\u2026")),
      h("td", null, key.scopes.map((s) => SCOPES[s] || s).join(", ")),
      h("td", null, when(key.created_at), h("div", { class: "help" }, "staff " + key.created_by)),
      h("td", { class: "last-used" }, key.last_used_at ? when(key.last_used_at) : "Never"),
      h("td", null, revoked ? h("span", { class: "badge critical" }, "Revoked") : h("span", { class: "badge success" }, "Live")),
      actions);
  }

  function confirmRevoke(key, cell, shown) {
    const yes = h("button", { type: "button", class: "critical", id: "confirm-revoke" }, "Revoke key");
    const no = h("button", { type: "button" }, "Cancel");
    no.addEventListener("click", () => cell.replaceChildren(shown[0], " · ", shown[1]));
    yes.addEventListener("click", async () => {
      yes.disabled = no.disabled = true;
      try {
        await api.del("/api/api-keys/" + key.id);
        toast("Key revoked");
        await renderApiKeys(null);
      } catch (error) {
        toast(error.message, true);
        yes.disabled = no.disabled = false;
      }
    });
    cell.replaceChildren(h("div", { class: "stack" }, h("span", null, "Apps using \u201c" + key.name + "\u201d stop at once."), h("div", { class: "row" }, yes, no)));
  }

  async function showUses(key) {
    const { uses } = await api.get("/api/api-keys/" + key.id + "/uses");
    const slot = document.getElementById("key-uses");
    slot.replaceChildren(h("h3", null, "Latest uses of \u201c" + key.name + "\u201d"),
      uses.length
        ? h("table", { id: "key-use-rows" }, h("thead", null, h("tr", null, h("th", null, "When"), h("th", null, "Reported"), h("th", null, "Customer"), h("th", { class: "num" }, "Answer"))),
            h("tbody", null, uses.map((u) => h("tr", null, h("td", null, when(u.at)), h("td", null, u.action || "—"), h("td", null, u.customer_id ?? "—"),
              h("td", { class: "num" }, h("span", { class: "badge " + (u.status < 300 ? "success" : "critical") }, u.status))))))
        : h("p", { class: "muted" }, "Not used yet."));
  }

  route();
})();
