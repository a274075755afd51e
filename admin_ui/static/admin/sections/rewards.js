import { forecastPanel } from "../forecast.js";
import { api, card, checkbox, field, h, money, number, page, showErrors, toast } from "../kit.js";

// ---- rewards -------------------------------------------------------------

const REWARD_KINDS = { fixed_amount: "Amount off", percentage: "Percentage off", free_shipping: "Free shipping", free_product: "Free product", store_credit: "Store credit", points_for_money: "Points for money" };

export async function renderRewards() {
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
