import { barChart, lineChart } from "../charts.js";
import { api, card, h, isoDay, money, number, page, percent, request, saveBlob, setCurrency } from "../kit.js";

// ---- analytics -----------------------------------------------------------

export async function renderAnalytics() {
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
  setCurrency(d.currency);
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
    ], { money: true })),
    card("Tier distribution", d.tiers.length
      ? barChart(d.tiers.map((t) => t.name), [{ name: "Members", color: "var(--chart-1)", values: d.tiers.map((t) => t.members) }])
      : h("p", { class: "muted" }, "VIP tiers are not set up yet.")),
  ];
}
