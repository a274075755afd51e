import { api, card, field, h, page, showErrors, toast } from "../kit.js";
import { debounce, LANGUAGE_NAMES } from "./notifications.js";

// ---- the launcher's look, beside a live preview of the real launcher ----

export async function renderLauncher() {
  const data = await api.get("/api/launcher");
  const { shop: info } = await api.get("/api/program");
  const texts = JSON.parse(JSON.stringify(data.texts));
  const colour = (name, label, value) => {
    const text = h("input", { type: "text", value, maxlength: 7, spellcheck: "false", "aria-label": label + " (hex)" });
    const picker = h("input", { type: "color", value, "aria-label": label, tabindex: "-1" });
    picker.addEventListener("input", () => { text.value = picker.value; changed(); });
    text.addEventListener("input", () => { if (/^#[0-9a-f]{6}$/i.test(text.value.trim())) picker.value = text.value.trim().toLowerCase(); changed(); });
    const box = field(name, label, text);
    box.querySelector("label").after(h("div", { class: "colour" }, picker, text));
    return box;
  };
  const radius = h("input", { type: "range", min: 0, max: 24, step: 1, value: data.corner_radius, "aria-describedby": "radius-shown" });
  const radiusShown = h("output", { id: "radius-shown", for: "f-corner_radius" }, data.corner_radius + " px");
  const radiusBox = field("corner_radius", "Corner radius", radius, "0 px: square corners; 12 px: the usual rounded panel and pill button.");
  radius.after(radiusShown);
  const position = h("select", null, [["bottom-right", "Bottom right"], ["bottom-left", "Bottom left"]].map(([v, t]) => h("option", { value: v, selected: v === data.position }, t)));
  const language = h("select", { id: "look-language", dataset: { saveBar: "off" } }, data.languages.map((l) => h("option", { value: l }, LANGUAGE_NAMES[l] || l)));
  const label = h("input", { type: "text", maxlength: 40 });
  const title = h("input", { type: "text", maxlength: 60 });
  const as = h("select", { id: "preview-as", "aria-label": "Preview as" }, [["member", "A member"], ["visitor", "A visitor"]].map(([v, t]) => h("option", { value: v }, t)));
  const contrast = h("div", { id: "contrast", class: "help" });
  const warnings = h("div", { id: "look-warnings", class: "stack" });
  const frame = h("iframe", { id: "launcher-preview", title: "Launcher preview", class: "launcher-frame", loading: "eager" });
  // The frame is as wide as a small desktop window (the launcher turns into a bottom sheet under
  // 480px), scaled down to fit the card, so the preview shows the button in its corner below the panel.
  const stage = h("div", { class: "launcher-stage" }, frame);
  new ResizeObserver(() => {
    const scale = Math.min(1, stage.clientWidth / frame.offsetWidth);
    frame.style.transform = "scale(" + scale + ")";
    stage.style.height = frame.offsetHeight * scale + "px";
  }).observe(stage);
  let shown = language.value; // the language the two text fields hold
  function loadTexts() {
    shown = language.value;
    const mine = texts[shown] || {};
    const defaults = data.default_texts[language.value];
    label.value = mine.button_label || "";
    title.value = mine.title || "";
    label.placeholder = defaults.button_label;
    title.placeholder = defaults.title;
  }
  function keepTexts() {
    const entry = { button_label: label.value.trim(), title: title.value.trim() };
    if (entry.button_label || entry.title) texts[shown] = entry;
    else delete texts[shown];
  }
  const form = h("form", { class: "stack", id: "launcher-form", novalidate: true },
    h("div", { class: "grid" },
      colour("primary_color", "Button and header colour", data.primary_color),
      colour("background_color", "Panel background", data.background_color),
      colour("text_color", "Panel text", data.text_color)),
    contrast, warnings,
    h("div", { class: "grid" },
      field("position", "Corner", position),
      radiusBox),
    h("div", { class: "row spread" }, h("h3", null, "Texts"), h("div", { class: "field inline" }, h("label", { for: "look-language" }, "Language"), language)),
    field("button_label", "Button label", label, "Empty: the translated default shown in grey."),
    field("title", "Panel title", title),
    h("div", { class: "row" }, h("button", { class: "primary", type: "submit", id: "save-launcher" }, "Save")));
  const draft = () => {
    const f = form.elements;
    keepTexts();
    return { primary_color: f.primary_color.value.trim(), background_color: f.background_color.value.trim(), text_color: f.text_color.value.trim(),
      position: position.value, corner_radius: Number(radius.value), texts };
  };
  function previewUrl(look) {
    const own = look.texts[language.value] || {};
    return "/launcher-preview?" + new URLSearchParams({ primary_color: look.primary_color, background_color: look.background_color, text_color: look.text_color,
      position: look.position, corner_radius: look.corner_radius, locale: language.value, button_label: own.button_label || "", title: own.title || "", shop: info.name || info.domain, as: as.value });
  }
  const check = debounce(async (look) => {
    try {
      const answer = await api.post("/api/launcher/check", look);
      showErrors(form, {});
      showChecks(answer.checks);
    } catch (error) {
      showErrors(form, error.fields || {});
    }
  }, 200);
  function showChecks(checks) {
    contrast.textContent = "Text on background: contrast " + checks.text_on_background.toFixed(2) + ":1 (at least 4.5:1 reads well)";
    warnings.replaceChildren(...checks.warnings.map((w) => h("div", { class: "banner warning", dataset: { field: w.field } }, w.message)));
  }
  const refresh = debounce((look) => { frame.src = previewUrl(look); }, 250);
  function changed() {
    const look = draft();
    refresh(look);
    check(look);
  }
  radius.addEventListener("input", () => { radiusShown.textContent = radius.value + " px"; });
  form.addEventListener("input", (event) => { if (event.target.type !== "color") changed(); });
  position.addEventListener("change", changed);
  language.addEventListener("change", () => { keepTexts(); loadTexts(); changed(); });
  as.addEventListener("change", changed);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const saved = await api.put("/api/launcher", draft());
      showErrors(form, {});
      showChecks(saved.checks);
      toast("Launcher saved: your storefront shows it now");
    } catch (error) {
      const fields = error.fields || {};
      const here = "texts." + language.value + ".";
      showErrors(form, Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.startsWith(here) ? k.slice(here.length) : k, v])));
      toast(Object.keys(fields).length ? "Fix the highlighted fields" : error.message, true);
    }
  });
  loadTexts();
  showChecks(data.checks);
  frame.src = previewUrl(draft());
  page("Launcher", null, h("div", { class: "layout halves launcher-layout" },
    card("Look and texts", h("p", { class: "muted" }, "How the rewards button and panel look on your storefront. Once you save here, this look replaces the Perks app embed's own settings in the theme editor."), form),
    card(null, h("div", { class: "row spread" }, h("h2", null, "Live preview"), as), stage)));
}
