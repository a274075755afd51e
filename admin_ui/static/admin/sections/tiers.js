import { api, card, confirmAction, field, h, number, page, toast } from "../kit.js";

// ---- VIP tiers -------------------------------------------------------------

export async function renderTiers() {
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
      h("td", null, h("button", { type: "button", class: "plain", onclick: (e) => removeTier(e.target.closest("tr")) }, "Remove"))));
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

// A saved tier's members move to the tier below when the ladder is saved: ask first.
async function removeTier(row) {
  const name = row.querySelector("input").value.trim() || "this tier";
  if (row.dataset.id && !(await confirmAction({ title: "Remove " + name + "?", message: "Its members move to the tier below when you save the tiers.", confirm: "Remove tier", tone: "critical" }))) return;
  const form = row.closest("form");
  row.remove();
  form.dispatchEvent(new Event("change", { bubbles: true })); // a removed row is an unsaved change
}
