import { forecastPanel } from "../forecast.js";
import { api, card, checkbox, field, h, money, number, page, showErrors, toast, wholeOrNull } from "../kit.js";
import { pickerField } from "../picker.js";

// ---- rewards -------------------------------------------------------------

const REWARD_KINDS = { fixed_amount: "Amount off", percentage: "Percentage off", free_shipping: "Free shipping", free_product: "Free product", store_credit: "Store credit", points_for_money: "Points for money" };
// The fields each kind uses, beyond title, kind, points and "members can redeem it"; the others are hidden and not sent.
const KIND_FIELDS = {
  fixed_amount: ["value", "minimum_order", "code_valid_days", "limit_per_member"],
  percentage: ["value", "minimum_order", "code_valid_days", "limit_per_member"],
  free_shipping: ["minimum_order", "code_valid_days", "limit_per_member"],
  free_product: ["variant_id", "minimum_order", "code_valid_days", "limit_per_member"],
  store_credit: ["value", "code_valid_days", "limit_per_member"],
  points_for_money: ["value", "min_points", "max_points", "minimum_order", "code_valid_days", "limit_per_member"],
};
const VALUE_LABELS = { fixed_amount: "Amount off", percentage: "Percent off", store_credit: "Store credit", points_for_money: "Money per step of points" };
const POINTS_LABELS = { points_for_money: "Points per step" };
const VALUED = ["fixed_amount", "store_credit", "points_for_money"];

function shownValue(r) {
  if (r.kind === "percentage") return r.value + "%";
  if (VALUED.includes(r.kind)) return money(r.value);
  if (r.kind === "free_product") return r.variant_title || "—";
  return "—";
}

// The server's words at a field as a sentence: "must be at least 1" reads "Must be at least 1."
const sentence = (text) => (text ? text[0].toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? "" : ".") : text);
const sentences = (fields) => Object.fromEntries(Object.entries(fields || {}).map(([name, text]) => [name, sentence(text)]));

export async function renderRewards() {
  let rewards;
  try {
    ({ rewards } = await api.get("/api/rewards"));
  } catch (error) {
    if (error.status !== 404) throw error;
    return page("Rewards", null, card(null, h("div", { class: "empty" }, h("h2", null, "Rewards are on their way"), h("p", null, "What members can spend points on will be set here."))));
  }
  const active = rewards.filter((r) => !r.archived);
  const archived = rewards.filter((r) => r.archived);
  const archive = (r, on) => async () => {
    try {
      await api.post("/api/rewards/" + r.id + (on ? "/archive" : "/unarchive"));
      toast(on ? "Reward archived: codes already issued still work" : "Reward back in the catalogue, switched off");
      await renderRewards();
    } catch (error) {
      toast(error.message, true);
    }
  };
  const list = active.length
    ? h("table", { id: "rewards" }, h("thead", null, h("tr", null, h("th", null, "Reward"), h("th", null, "Kind"), h("th", { class: "num" }, "Points"), h("th", { class: "num" }, "Value"), h("th", null, "Status"), h("th"))),
        h("tbody", null, active.map((r) => h("tr", { dataset: { reward: r.id } }, h("td", null, r.title), h("td", null, REWARD_KINDS[r.kind] || r.kind), h("td", { class: "num" }, number(r.points_cost)),
          h("td", { class: "num" }, shownValue(r)),
          h("td", null, h("span", { class: "badge " + (r.enabled ? "success" : "") }, r.enabled ? "Active" : "Off")),
          h("td", null, h("div", { class: "row" }, h("button", { type: "button", class: "plain", onclick: () => rewardForm(r, rewards) }, "Edit"),
            h("button", { type: "button", class: "plain", dataset: { archive: r.id }, onclick: archive(r, true) }, "Archive")))))))
    : h("div", { class: "empty" }, h("h2", null, "No rewards yet"), h("p", null, "Add what members can spend their points on."));
  const shelf = archived.length
    ? card("Archived", h("p", { class: "muted" }, "Members no longer see these; codes already issued for them still work."),
        h("table", { id: "archived-rewards" }, h("tbody", null, archived.map((r) => h("tr", { dataset: { reward: r.id } }, h("td", null, r.title), h("td", null, REWARD_KINDS[r.kind] || r.kind),
          h("td", { class: "num" }, number(r.points_cost)), h("td", null, h("button", { type: "button", class: "plain", onclick: archive(r, false) }, "Bring back")))))))
    : null;
  page("Rewards", h("button", { class: "primary", id: "new-reward", onclick: () => rewardForm(null, rewards) }, "Add reward"), card(null, list), h("div", { id: "reward-editor" }), ...(shelf ? [shelf] : []));
}

function rewardForm(reward, catalogue) {
  const r = reward || { title: "", kind: "fixed_amount", points_cost: 500, value: "5", enabled: true, minimum_order: null, code_valid_days: 30 };
  let variant = r.variant_id ? { id: r.variant_id, title: r.variant_title } : null;
  const kind = h("select", null, Object.entries(REWARD_KINDS).map(([k, v]) => h("option", { value: k, selected: k === r.kind }, v)));
  const valueField = field("value", "Value", h("input", { type: "text", inputmode: "decimal", value: VALUED.includes(r.kind) || r.kind === "percentage" ? r.value : "" }));
  const pointsField = field("points_cost", "Points", h("input", { type: "number", min: 1, step: 1, value: r.points_cost }));
  const optional = (value) => (value === null || value === undefined ? "" : value);
  const perKind = {
    value: valueField,
    variant_id: pickerField("variant_id", "Product variant members get free", "variant", variant, (chosen) => (variant = chosen)),
    minimum_order: field("minimum_order", "Minimum order (optional)", h("input", { type: "text", inputmode: "decimal", value: optional(r.minimum_order) }), "Members see it before they redeem"),
    code_valid_days: field("code_valid_days", "Valid for (days, optional)", h("input", { type: "number", min: 1, step: 1, value: optional(r.code_valid_days) }), "Members see it before they redeem"),
    limit_per_member: field("limit_per_member", "Times a member can redeem it (optional)", h("input", { type: "number", min: 1, step: 1, value: optional(r.limit_per_member) })),
    min_points: field("min_points", "Fewest points per redemption (optional)", h("input", { type: "number", min: 1, step: 1, value: optional(r.min_points) })),
    max_points: field("max_points", "Most points per redemption (optional)", h("input", { type: "number", min: 1, step: 1, value: optional(r.max_points) })),
  };
  const form = h(
    "form",
    { class: "stack", id: "reward-form", novalidate: true },
    field("title", "Title", h("input", { type: "text", value: r.title })),
    field("kind", "Kind", kind),
    pointsField,
    ...Object.values(perKind),
    checkbox("enabled", "Members can redeem it", r.enabled),
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit", id: "save-reward" }, reward ? "Save reward" : "Add reward"),
      h("button", { type: "button", onclick: () => document.getElementById("reward-editor").replaceChildren() }, "Cancel"))
  );
  // Only the fields the chosen kind uses are shown, labelled for it.
  const fitKind = () => {
    const k = kind.value;
    for (const [name, el] of Object.entries(perKind)) el.style.display = KIND_FIELDS[k].includes(name) ? "" : "none"; // .field's grid outranks [hidden]
    valueField.querySelector("label").textContent = VALUE_LABELS[k] || "Value";
    pointsField.querySelector("label").textContent = POINTS_LABELS[k] || "Points";
  };
  kind.addEventListener("change", fitKind);
  fitKind();
  const body = () => {
    const f = form.elements;
    const sent = { title: f.title.value, kind: f.kind.value, points_cost: Number(f.points_cost.value), enabled: f.enabled.checked };
    for (const name of KIND_FIELDS[f.kind.value]) {
      if (name === "variant_id") Object.assign(sent, { variant_id: variant ? variant.id : null, variant_title: variant ? variant.title : null });
      else if (name === "value" || name === "minimum_order") sent[name] = f[name].value.trim() || null;
      else sent[name] = wholeOrNull(f[name]);
    }
    return sent;
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      if (reward) await api.patch("/api/rewards/" + reward.id, body());
      else await api.post("/api/rewards", body());
      toast(reward ? "Reward saved" : "Reward added");
      await renderRewards();
    } catch (error) {
      const fields = sentences(error.fields);
      showErrors(form, fields);
      toast(Object.keys(fields).length ? "Fix the highlighted fields" : error.message, true);
    }
  });
  // The catalogue as it would be with this reward saved: what a point is worth, and what members could redeem.
  const forecast = forecastPanel("reward-forecast");
  const draft = () => {
    const f = form.elements;
    const valued = KIND_FIELDS[f.kind.value].includes("value");
    const edited = { kind: f.kind.value, points_cost: Number(f.points_cost.value), value: (valued && f.value.value.trim()) || "0", enabled: f.enabled.checked };
    const others = (catalogue || []).filter((x) => !x.archived && (!reward || x.id !== reward.id)).map((x) => ({ kind: x.kind, points_cost: x.points_cost, value: x.value, enabled: x.enabled }));
    return { rewards: others.concat([edited]) };
  };
  form.addEventListener("input", () => forecast.update(draft()));
  form.addEventListener("change", () => forecast.update(draft()));
  forecast.run(draft());
  document.getElementById("reward-editor").replaceChildren(h("div", { class: "layout halves" }, card(reward ? "Edit " + reward.title : "New reward", form), forecast.el));
  form.elements.title.focus();
}
