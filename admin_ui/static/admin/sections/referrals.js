import { api, card, checkbox, field, h, money, number, page, savingForm, when, wholeOrNull } from "../kit.js";

// ---- referrals -------------------------------------------------------------

const FRIEND_KINDS = { fixed_amount: "Amount off", percentage: "Percentage off", free_shipping: "Free shipping" };

export async function renderReferrals() {
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
