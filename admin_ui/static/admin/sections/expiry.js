import { api, card, field, h, page, savingForm, wholeOrNull } from "../kit.js";

export async function renderExpiry() {
  const { program } = await api.get("/api/program");
  const form = savingForm("expiry-form", [
    field("expire_after_days", "Points expire after this many days without a purchase or redemption", h("input", { type: "number", min: 1, step: 1, value: program.expire_after_days ?? "", placeholder: "Never" }), "Leave empty: points never expire. Any purchase or redemption restarts the clock."),
    field("expiry_reminder_days", "Remind members this many days before", h("input", { type: "number", min: 0, step: 1, value: program.expiry_reminder_days }), "0: no reminder. Sent once per period, by every notification channel that is on."),
    field("nudge_after_days", "Nudge members who have been quiet this many days", h("input", { type: "number", min: 7, step: 1, value: program.nudge_after_days ?? "", placeholder: "Never" }), "Members whose points already buy a reward hear \u201cyou have N points waiting, enough for \u2026\u201d once per quiet spell. Leave empty: no nudges."),
  ], "Save", (f) => api.patch("/api/program", { expire_after_days: wholeOrNull(f.expire_after_days), expiry_reminder_days: wholeOrNull(f.expiry_reminder_days), nudge_after_days: wholeOrNull(f.nudge_after_days) }), "Expiry and nudges saved");
  page("Points expiry", null, h("div", { class: "layout two" }, card("Expiry, reminders and nudges", form),
    card("How it works", h("p", { class: "muted" }, "Points left unused for the whole period expire at once, with a ledger entry the member sees. Members are reminded first, and a purchase or a redemption starts a new period."))));
}
