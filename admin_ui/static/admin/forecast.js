import { api, h, money, number, setCurrency } from "./kit.js";

// ---- forecast: the last 90 days replayed through the draft, beside today's rules ----

export function forecastPanel(id) {
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
  setCurrency(data.currency);
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
