import { api, ApiError, card, confirmAction, failed, field, h, number, page, toast } from "../kit.js";

// ---- VIP tiers -------------------------------------------------------------

// How long the page waits between asks while members are placed: soon while Perks answers, longer after each miss.
const POLL_MS = 500, POLL_MAX_MS = 30000;
const placing = (p) => p && (p.status === "queued" || p.status === "running");

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
      h("td", { class: "num", dataset: { members: t.id ?? "" } }, t.members === undefined ? "new" : number(t.members)),
      h("td", null, h("button", { type: "button", class: "plain", onclick: (e) => removeTier(e.target.closest("tr")) }, "Remove"))));
  };
  data.tiers.forEach(addRow);
  const basis = h("select", null, [["points", "Points earned"], ["spend", "Money spent"]].map(([v, t]) => h("option", { value: v, selected: v === data.basis }, t)));
  const period = h("select", null, [["lifetime", "Lifetime"], ["calendar_year", "Calendar year"], ["rolling_12_months", "Rolling 12 months"]].map(([v, t]) => h("option", { value: v, selected: v === data.period }, t)));
  const form = h("form", { class: "stack", id: "tiers-form", novalidate: true },
    h("div", { class: "grid" }, field("basis", "Members move up by", basis), field("period", "Counted over", period, "Members move up at once and down only at the window's end. Saving places every member on the ladder as saved.")),
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
      const saved = await api.put("/api/tiers", { basis: basis.value, period: period.value, tiers });
      toast(saved.placement && saved.placement.status === "pending" ? "Tiers saved; members are placed within about an hour" : "Tiers saved");
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
  const placement = h("div", { id: "placement", class: "stack" });
  const total = h("p", { class: "muted", id: "tier-members-total", style: "margin:0" });
  page("VIP tiers", null, card("Tiers", h("div", { class: "stack" }, h("p", { class: "muted", style: "margin:0" }, "Each tier multiplies what its members earn and can give points once on entry."), placement, form, total)));
  show(data, placement, total);
  if (placing(data.placement)) follow(data, placement, total).catch(failed);
}

// The placement's state and the counts, without touching the tiers being edited.
function show(data, slot, total) {
  slot.hidden = !data.placement;
  const inTiers = data.tiers.reduce((sum, t) => sum + t.members, 0);
  total.textContent = placing(data.placement) || (data.placement && data.placement.status === "pending")
    ? number(data.members_total) + " members: each tier's count fills in as they are placed"
    : data.tiers.length
    ? number(data.members_total) + " members: " + number(inTiers) + " in a tier, " + number(data.members_total - inTiers) + " below the first"
    : number(data.members_total) + " members";
  data.tiers.forEach((t) => {
    const cell = document.querySelector('[data-members="' + t.id + '"]');
    if (cell) cell.textContent = number(t.members);
  });
  const p = data.placement;
  if (!p || p.status === "done") {
    slot.replaceChildren(...(p ? [h("div", { class: "banner success", id: "placement-result", dataset: { status: "done" } }, "All " + number(p.total) + " members are placed on this ladder.")] : []));
    return;
  }
  if (p.status === "pending") {
    slot.replaceChildren(h("div", { class: "banner warning", id: "placement-result", dataset: { status: "pending" } },
      "The ladder is saved. Placing your members on it could not start just now; it starts by itself within about an hour."));
    return;
  }
  if (p.status === "failed") {
    slot.replaceChildren(h("div", { class: "banner critical", id: "placement-result", dataset: { status: "failed" } },
      "Placing members on this ladder stopped before its end. Save the tiers again to place them."));
    return;
  }
  const share = p.total ? Math.min(100, (100 * p.done) / p.total) : 0;
  const bar = h("div", { style: "width:" + Math.max(share, 2) + "%" });
  slot.replaceChildren(h("div", null,
    h("p", { class: "muted", id: "placement-progress-text", style: "margin:0" }, p.status === "queued" ? "Placing members on the new ladder: waiting for a worker…" : "Placing members: " + number(p.done) + " of " + number(p.total)),
    h("div", { class: "progress", id: "placement-progress", role: "progressbar", "aria-label": "Members placed", "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": String(Math.round(share)) }, bar)));
}

async function follow(data, slot, total) {
  let wait = POLL_MS;
  while (placing(data.placement) && slot.isConnected) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    try {
      data = await api.get("/api/tiers");
      wait = POLL_MS;
    } catch (error) {
      // A failed ask is not the placement's outcome: the worker goes on, so ask again, later.
      if (error instanceof ApiError && error.status < 500) throw error;
      wait = Math.min(wait * 2, POLL_MAX_MS);
      continue;
    }
    if (slot.isConnected) show(data, slot, total);
  }
}

// A saved tier's members move to the tier below when the ladder is saved: ask first.
async function removeTier(row) {
  const name = row.querySelector("input").value.trim() || "this tier";
  if (row.dataset.id && !(await confirmAction({ title: "Remove " + name + "?", message: "Its members move to the tier below when you save the tiers.", confirm: "Remove tier", tone: "critical" }))) return;
  const form = row.closest("form");
  row.remove();
  form.dispatchEvent(new Event("change", { bubbles: true })); // a removed row is an unsaved change
}
