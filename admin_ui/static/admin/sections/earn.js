import { forecastPanel } from "../forecast.js";
import { api, card, checkbox, field, h, page, request, setCurrency, showErrors, toast } from "../kit.js";
import { pickerField } from "../picker.js";

// ---- earn rules ----------------------------------------------------------

export async function renderEarn() {
  const [{ shop: info, program }, { rules, periods }] = await Promise.all([api.get("/api/program"), api.get("/api/earn-rules")]);
  setCurrency(info.currency);
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
    const picked = boosts.picked();
    const pending = picked ? [{ target: m.target.value, target_id: String(picked.id), multiplier: m.multiplier.value.trim() }] : [];
    return {
      program: purchaseRule(),
      multipliers: boosts.multipliers
        .filter((x) => !pending.some((p) => p.target === x.target && p.target_id === x.target_id))
        .map((x) => ({ target: x.target, target_id: x.target_id, multiplier: x.multiplier })) // the forecast takes no names
        .concat(pending),
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
  // The product or collection is picked by name; switching between the two starts the choice again.
  let picked = null;
  const targetSelect = h("select", null, h("option", { value: "product" }, "product"), h("option", { value: "collection" }, "collection"));
  const pickerSlot = h("div", { class: "stack" });
  const showPicker = () => {
    picked = null;
    pickerSlot.replaceChildren(pickerField("target_id", "Which " + targetSelect.value, targetSelect.value, null, (chosen) => {
      picked = chosen;
      multForm.dispatchEvent(new Event("change"));
    }));
  };
  targetSelect.addEventListener("change", showPicker);
  const multForm = h("form", { class: "stack", id: "multiplier-form", novalidate: true },
    h("div", { class: "row" }, field("target", "For a", targetSelect), field("multiplier", "Multiplier", h("input", { type: "text", inputmode: "decimal", value: "2" }))),
    pickerSlot,
    h("div", { class: "row" }, h("button", { type: "submit", id: "set-multiplier" }, "Set")));
  // Its multiplier field shares a name with the promotion's: keep the ids apart (the picker's own are its own).
  multForm.querySelectorAll("[id]").forEach((el) => (el.id = "mult-" + el.id));
  multForm.querySelectorAll("label[for]").forEach((el) => el.setAttribute("for", "mult-" + el.getAttribute("for")));
  showPicker();
  multForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const f = multForm.elements;
    if (!picked) return showErrors(multForm, { target_id: "Choose the " + f.target.value + " first." });
    try {
      await api.put("/api/multipliers", { target: f.target.value, target_id: picked.id, target_title: picked.title, multiplier: f.multiplier.value.trim() });
      toast("Multiplier set");
      await renderEarn();
    } catch (error) {
      showErrors(multForm, error.fields);
    }
  });
  const unset = (m) => async () => {
    try {
      await request("DELETE", "/api/multipliers/" + m.target + "/" + m.target_id);
      toast("Multiplier removed");
      await renderEarn();
    } catch (error) {
      toast(error.message, true);
    }
  };
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
        ? h("table", { id: "multipliers" }, h("tbody", null, multipliers.map((m) => h("tr", { dataset: { target: m.target + ":" + m.target_id } },
            h("td", null, m.title || "A " + m.target + " (set before names were kept)", " ", h("span", { class: "muted" }, m.target)), h("td", { class: "num" }, "×" + m.multiplier),
            h("td", null, h("button", { type: "button", class: "plain", onclick: unset(m) }, "Remove"))))))
        : null,
      multForm),
  ];
  return { cards, multipliers, form: multForm, picked: () => picked };
}

const LABELS = { signup: "Creating an account", birthday: "Birthday", review: "Product review", social_follow: "Social follow", social_share: "Social share", newsletter: "Newsletter sign-up", profile: "Completed profile", survey: "Survey answered" };
const label = (name) => LABELS[name] || name.replace("custom:", "Custom: ");
