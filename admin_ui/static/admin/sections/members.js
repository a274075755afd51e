import { api, card, checkbox, failed, field, h, number, page, showErrors, toast, when } from "../kit.js";

// ---- members -------------------------------------------------------------

// The columns the server sorts by, with the direction a first click asks for (the biggest or newest first, names A–Z).
const COLUMNS = [
  { key: "name", label: "Name", first: "asc" },
  { key: null, label: "Email" },
  { key: "tier", label: "Tier", first: "desc" },
  { key: "points", label: "Points", first: "desc", num: true },
  { key: "lifetime_points", label: "Lifetime points", first: "desc", num: true },
  { key: "joined", label: "Joined", first: "desc" },
];
const PAGE = 25;

export async function renderMembers(query) {
  const search = h("input", { type: "search", id: "member-search", placeholder: "Search by name, email or customer id", value: query || "", "aria-label": "Search members" });
  const results = h("div", { id: "member-results" });
  const total = h("p", { class: "muted", id: "member-total", style: "margin:0" });
  let offset = 0, sort = "joined", direction = "desc";
  const header = (c) => {
    if (!c.key) return h("th", null, c.label);
    const active = c.key === sort;
    const arrow = active ? (direction === "asc" ? " ▲" : " ▼") : "";
    return h("th", { class: c.num ? "num" : null, "aria-sort": active ? (direction === "asc" ? "ascending" : "descending") : "none" },
      h("button", { type: "button", class: "plain sort", dataset: { sort: c.key }, onclick: () => {
        direction = active ? (direction === "asc" ? "desc" : "asc") : c.first;
        sort = c.key;
        offset = 0;
        load().catch(failed);
      } }, c.label + arrow));
  };
  async function load() {
    const q = search.value.trim();
    const data = await api.get("/api/members?" + new URLSearchParams({ q, sort, direction, offset, limit: PAGE }));
    const shown = data.members.length ? number(offset + 1) + "–" + number(offset + data.members.length) + " of " : "";
    total.textContent = q ? shown + number(data.total) + (data.total === 1 ? " member matches" : " members match") : shown + number(data.total) + (data.total === 1 ? " member" : " members");
    results.replaceChildren(
      data.members.length
        ? h("table", { id: "member-table" }, h("thead", null, h("tr", null, COLUMNS.map(header))),
            h("tbody", null, data.members.map((m) => h("tr", { class: "clickable", dataset: { customer: m.customer_id }, onclick: () => (location.hash = "#/member/" + m.customer_id) },
              h("td", null, h("a", { href: "#/member/" + m.customer_id }, fullName(m))),
              h("td", null, m.email || "—"),
              h("td", { class: "tier" }, m.tier || "—"),
              h("td", { class: "num" }, number(m.points)),
              h("td", { class: "num" }, number(m.lifetime_points)),
              h("td", null, new Date(m.joined_at).toLocaleDateString("en-US"))))))
        : h("div", { class: "empty" }, h("p", null, q ? "No member matches “" + q + "”." : "No members yet: they appear with their first order or account.")),
      h("div", { class: "row spread" },
        h("button", { type: "button", id: "members-previous", disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); load().catch(failed); } }, "Previous"),
        h("button", { type: "button", id: "members-next", disabled: !data.has_more, onclick: () => { offset += PAGE; load().catch(failed); } }, "Next"))
    );
  }
  let timer;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { offset = 0; load().catch(failed); }, 200);
  });
  page("Members", null, card(null, h("div", { class: "stack" }, search, total, results)));
  await load();
}
const fullName = (m) => [m.first_name, m.last_name].filter(Boolean).join(" ") || m.email || "Customer " + m.customer_id;

export async function renderMember(customerId) {
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
