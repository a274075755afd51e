import { api, card, confirmAction, field, h, page, showErrors, toast, when } from "../kit.js";

// ---- API keys: for the merchant's own apps calling the custom-actions API --

const SCOPES = {
  "actions:review": "Reviews",
  "actions:social_follow": "Social follows",
  "actions:social_share": "Social shares",
  "actions:survey": "Surveys",
  "actions:custom": "Custom actions",
  "actions:profile": "Completed profiles",
  birthday: "Birthdays",
};

// `made`: the answer of the key just made, whose key is shown this once.
export async function renderApiKeys(made) {
  const { keys } = await api.get("/api/api-keys");
  const name = h("input", { type: "text", maxlength: 60, placeholder: "e.g. Judge.me reviews" });
  const boxes = Object.entries(SCOPES).map(([scope, label]) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "scopes", value: scope }), h("span", null, label, " ", h("code", { class: "muted" }, scope))));
  const makeButton = h("button", { type: "submit", class: "primary", id: "make-key" }, "Make key");
  const form = h("form", { id: "api-key-form", class: "stack" },
    field("name", "Name", name, "What the key is for: the app or script that will hold it. Its uses are logged under this name."),
    h("div", { class: "field", dataset: { field: "scopes" } }, h("label", null, "It may report"), h("div", { class: "scopes" }, boxes), h("div", { class: "field-error", id: "e-scopes" })),
    h("div", { class: "row" }, makeButton));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const scopes = [...form.querySelectorAll("input[name=scopes]:checked")].map((box) => box.value);
    if (!scopes.length) return showErrors(form, { scopes: "Pick at least one thing the key may report." });
    makeButton.disabled = true;
    try {
      const answer = await api.post("/api/api-keys", { name: name.value.trim(), scopes });
      toast("Key made");
      await renderApiKeys(answer);
    } catch (error) {
      const fields = Object.fromEntries(Object.entries(error.fields).map(([k, v]) => [k.split(".")[0], v]));
      if (!Object.keys(fields).length) toast(error.message, true);
      showErrors(form, fields);
      makeButton.disabled = false;
    }
  });
  const list = keys.length
    ? h("table", { id: "api-keys" },
        h("thead", null, h("tr", null, h("th", null, "Name"), h("th", null, "Key"), h("th", null, "May report"), h("th", null, "Made"), h("th", null, "Last used"), h("th", null, "Status"), h("th"))),
        h("tbody", null, keys.map(keyRow)))
    : h("div", { class: "empty" }, h("h2", null, "No keys yet"), h("p", null, "Make one for each app that reports reviews, follows, surveys or birthdays."));
  page("API keys", null, h("div", { class: "stack" },
    made ? shownOnce(made) : null,
    h("div", { class: "layout two" },
      card("Keys", list, h("div", { id: "key-uses" })),
      card("Make a key", form)),
    card("What a key can do", h("p", { class: "muted" },
      "Your apps send a key as Authorization: Bearer <key> to Perks' custom-actions API (POST /api/actions, /api/birthday). " +
      "It reports only what you ticked, for members of this shop only. It cannot read members, change rewards or settings, " +
      "or act for another shop. Revoke a key you no longer use: it stops working at once."))));
}

function shownOnce(made) {
  const value = h("input", { type: "text", id: "new-key", readonly: true, value: made.key, "aria-label": "The new key" });
  const copy = h("button", { type: "button", id: "copy-key" }, "Copy");
  copy.addEventListener("click", async () => {
    value.select();
    try {
      await navigator.clipboard.writeText(made.key);
    } catch (e) {
      document.execCommand("copy");
    }
    copy.textContent = "Copied";
  });
  return h("div", { class: "banner warning stack", id: "key-once" },
    h("h2", null, "The key for \u201c" + made.api_key.name + "\u201d"),
    h("div", { class: "row key-once" }, value, copy),
    h("p", null, h("strong", null, "Copy it now: it will not be shown again. "), "Perks keeps only a fingerprint of it. If it is lost, revoke it and make another."));
}

function keyRow(key) {
  const revoked = !!key.revoked_at;
  const actions = h("td", { class: "key-actions" });
  const usesButton = h("button", { type: "button", class: "plain", onclick: () => showUses(key) }, "Uses");
  const revokeButton = h("button", { type: "button", class: "plain", onclick: () => confirmRevoke(key) }, "Revoke");
  actions.append(...(revoked ? [usesButton] : [usesButton, " · ", revokeButton]));
  return h("tr", { dataset: { key: key.id } },
    h("td", null, key.name),
    h("td", null, h("code", null, key.prefix + "\u2026")),
    h("td", null, key.scopes.map((s) => SCOPES[s] || s).join(", ")),
    h("td", null, when(key.created_at), h("div", { class: "help" }, "staff " + key.created_by)),
    h("td", { class: "last-used" }, key.last_used_at ? when(key.last_used_at) : "Never"),
    h("td", null, revoked ? h("span", { class: "badge critical" }, "Revoked") : h("span", { class: "badge success" }, "Live")),
    actions);
}

async function confirmRevoke(key) {
  if (!(await confirmAction({ title: "Revoke \u201c" + key.name + "\u201d?", message: "Apps using this key stop at once. A revoked key cannot be turned back on.", confirm: "Revoke key", tone: "critical" }))) return;
  try {
    await api.del("/api/api-keys/" + key.id);
    toast("Key revoked");
    await renderApiKeys(null);
  } catch (error) {
    toast(error.message, true);
  }
}

async function showUses(key) {
  const { uses } = await api.get("/api/api-keys/" + key.id + "/uses");
  const slot = document.getElementById("key-uses");
  slot.replaceChildren(h("h3", null, "Latest uses of \u201c" + key.name + "\u201d"),
    uses.length
      ? h("table", { id: "key-use-rows" }, h("thead", null, h("tr", null, h("th", null, "When"), h("th", null, "Reported"), h("th", null, "Customer"), h("th", { class: "num" }, "Answer"))),
          h("tbody", null, uses.map((u) => h("tr", null, h("td", null, when(u.at)), h("td", null, u.action || "—"), h("td", null, u.customer_id ?? "—"),
            h("td", { class: "num" }, h("span", { class: "badge " + (u.status < 300 ? "success" : "critical") }, u.status))))))
      : h("p", { class: "muted" }, "Not used yet."));
}
