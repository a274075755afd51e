import { api, card, checkbox, field, h, page, showErrors, toast } from "../kit.js";

// ---- notifications: channels, the merchant's texts per kind and language, a preview by the notifier ----

export const LANGUAGE_NAMES = { en: "English", fr: "Français", de: "Deutsch", es: "Español", "pt-BR": "Português (Brasil)", ro: "Română", "zh-CN": "简体中文", "zh-TW": "繁體中文" };
export const debounce = (fn, ms) => { let timer; return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); }; };

export async function renderNotifications() {
  const data = await api.get("/api/notifications");
  const draft = JSON.parse(JSON.stringify(data.texts));
  const kind = h("select", { dataset: { saveBar: "off" } }, data.kinds.map((k) => h("option", { value: k }, data.kind_names[k])));
  const language = h("select", { dataset: { saveBar: "off" } }, data.languages.map((l) => h("option", { value: l }, LANGUAGE_NAMES[l] || l)));
  const subject = h("input", { type: "text", maxlength: 150 });
  const body = h("textarea", { rows: 7, maxlength: 5000 });
  const placeholders = h("div", { class: "help", id: "placeholders" });
  const ownBadge = h("span", { class: "badge", id: "text-source" });
  const previewSubject = h("div", { class: "mail-subject", id: "preview-subject" });
  const previewBody = h("div", { class: "mail-body", id: "preview-body" });
  const counting = h("p", { class: "help", id: "preview-counting" });
  const otherErrors = h("div", { class: "field-error", id: "e-texts" });
  const builtIn = () => data.built_in[kind.value][language.value] || data.built_in[kind.value].en;
  const own = () => (draft[kind.value] || {})[language.value];
  function load() {
    const text = own() || builtIn();
    subject.value = text.subject;
    body.value = text.body;
    placeholders.textContent = "You can use " + data.placeholders[kind.value].map((p) => "$" + p).join(", ") + ". $points_word and $balance_word are the word for points in the form the number asks for (1 point, 2 points). Write $$ for a dollar sign.";
    showErrors(form, {});
    sourceBadge();
    preview();
  }
  function sourceBadge() {
    ownBadge.textContent = own() ? "Your text" : "Built-in text";
    ownBadge.className = "badge" + (own() ? " success" : "");
  }
  function keep() {
    // Only a text that differs from the built-in one is the merchant's own.
    const b = builtIn();
    const texts = (draft[kind.value] = draft[kind.value] || {});
    if (subject.value.trim() === b.subject && body.value.trim() === b.body) delete texts[language.value];
    else texts[language.value] = { subject: subject.value, body: body.value };
    sourceBadge();
  }
  const preview = debounce(async () => {
    try {
      const shown = await api.post("/api/notifications/preview", { kind: kind.value, language: language.value, subject: subject.value, body: body.value });
      previewSubject.textContent = shown.subject;
      previewBody.textContent = shown.body;
      counting.textContent = "Points counted in this language: " + shown.counting;
      showErrors(form, {});
    } catch (error) {
      showErrors(form, error.fields || {});
    }
  }, 200);
  const form = h("form", { class: "stack", id: "notifications-form", novalidate: true },
    h("div", { class: "stack", id: "channels" },
      checkbox("email", "Email members", data.channels.email, "In the member's language, with an unsubscribe line. Needs the deployment's mail server."),
      checkbox("metafields", "Keep points on the Shopify customer (metafields)", data.channels.metafields, "perks.points and perks.tier, for Shopify Email, Flow and Klaviyo segments."),
      checkbox("flow", "Start Shopify Flow workflows", data.channels.flow, "The Perks triggers: points earned, points expiring.")),
    h("div", { class: "grid" }, field("kind", "Message", kind), field("language", "Language", language)),
    h("div", { class: "row spread" }, h("h3", null, "Text"), ownBadge),
    field("subject", "Subject", subject),
    field("body", "Body", body, placeholders),
    otherErrors,
    h("div", { class: "row" },
      h("button", { type: "button", id: "use-built-in", onclick: () => { delete (draft[kind.value] || {})[language.value]; load(); } }, "Use the built-in text"),
      h("button", { class: "primary", type: "submit", id: "save-notifications" }, "Save")));
  kind.addEventListener("change", load);
  language.addEventListener("change", load);
  for (const input of [subject, body]) input.addEventListener("input", () => { keep(); preview(); });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    keep();
    const f = form.elements;
    try {
      const saved = await api.put("/api/notifications", { channels: { email: f.email.checked, metafields: f.metafields.checked, flow: f.flow.checked }, texts: draft });
      data.texts = saved.texts;
      otherErrors.textContent = "";
      showErrors(form, {});
      toast("Notifications saved");
    } catch (error) {
      const fields = error.fields || {};
      const here = "texts." + kind.value + "." + language.value + ".";
      const mine = {};
      const elsewhere = [];
      for (const [key, message] of Object.entries(fields)) {
        if (key.startsWith(here)) mine[key.slice(here.length)] = message;
        else if (key.startsWith("channels.")) mine[key.slice(9)] = message;
        else elsewhere.push(key.replace(/^texts\./, "") + ": " + message);
      }
      showErrors(form, mine);
      otherErrors.textContent = elsewhere.join("; ");
      toast(Object.keys(fields).length ? "Fix the highlighted fields" : error.message, true);
    }
  });
  page("Notifications", null, h("div", { class: "layout halves" },
    card("Channels and texts", form),
    h("div", { class: "stack" },
      card("Preview", h("p", { class: "help" }, "As the notifier writes it for a member called Ada, with your shop's name."), h("div", { class: "mail", id: "mail-preview" }, previewSubject, previewBody), counting))));
  load();
}
