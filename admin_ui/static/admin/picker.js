// Choosing a product, a variant or a collection by name. Inside Shopify admin it is App Bridge's
// resource picker (shopify.resourcePicker); where App Bridge is absent (the demo, the tests) it is
// a search served by Perks through the Admin API (GET /api/catalog/search). Either way the
// merchant sees names, and the caller gets { id, title } with Shopify's numeric id.
import { api, h } from "./kit.js";

const NOUNS = { variant: "product variant", product: "product", collection: "collection" };
const DEFAULT_VARIANT = "Default Title"; // Shopify's name for a product's only variant

const legacyId = (gid) => Number(String(gid).split("/").pop());

// A variant as App Bridge's picker returns it, named as the fallback names it ("House blend - 1 kg").
function titleOf(kind, item) {
  if (kind !== "variant") return item.title;
  const product = (item.product && item.product.title) || "";
  if (!product) return item.displayName || item.title;
  return item.title === DEFAULT_VARIANT ? product : product + " - " + item.title;
}

async function appBridgePick(kind) {
  const selection = await window.shopify.resourcePicker({ type: kind, action: "select", multiple: false });
  if (!selection || !selection.length) return null; // cancelled
  return { id: legacyId(selection[0].id), title: titleOf(kind, selection[0]) };
}

// The fallback: a search box and the first matches as buttons; resolves with the one clicked, or null.
function searchPanel(kind, slot) {
  return new Promise((resolve) => {
    const input = h("input", { type: "search", class: "picker-search", placeholder: "Search by name", "aria-label": "Search for a " + NOUNS[kind] });
    const results = h("div", { class: "stack picker-results", role: "list" });
    const close = (chosen) => {
      slot.replaceChildren();
      resolve(chosen);
    };
    let asked = 0;
    const search = async () => {
      const mine = ++asked;
      let items;
      try {
        ({ items } = await api.get("/api/catalog/search?kind=" + kind + "&q=" + encodeURIComponent(input.value.trim())));
      } catch (error) {
        if (mine === asked) results.replaceChildren(h("p", { class: "field-error" }, error.message));
        return;
      }
      if (mine !== asked) return; // a later search is under way: its answer is the one to show
      results.replaceChildren(
        ...(items.length
          ? items.map((item) => h("div", { role: "listitem" }, h("button", { type: "button", class: "plain picker-result", onclick: () => close({ id: item.id, title: item.title }) }, item.title)))
          : [h("p", { class: "muted" }, "Nothing in the shop is called that.")])
      );
    };
    let timer;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(search, 200); // one search when typing pauses, not one per key
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault(); // it is inside a form: Enter must not save it
      if (event.key === "Escape") close(null);
    });
    slot.replaceChildren(h("div", { class: "stack" }, h("div", { class: "row" }, input, h("button", { type: "button", onclick: () => close(null) }, "Cancel")), results));
    input.focus();
    search();
  });
}

// A field showing what is chosen, by name, with a button to choose (or change) it.
// `chosen` is { id, title } or null; onPick(chosen) is called with each new choice.
export function pickerField(name, label, kind, chosen, onPick, help) {
  const shown = h("span", { class: "picked" });
  const slot = h("div", { class: "picker-slot" });
  const button = h("button", { type: "button", id: "pick-" + name });
  const show = () => {
    shown.replaceChildren(chosen ? h("strong", null, chosen.title || "#" + chosen.id) : h("span", { class: "muted" }, "None chosen yet"));
    button.textContent = chosen ? "Change" : "Choose " + NOUNS[kind];
  };
  button.addEventListener("click", async () => {
    const picked = window.shopify && typeof window.shopify.resourcePicker === "function" ? await appBridgePick(kind) : await searchPanel(kind, slot);
    if (!picked) return;
    chosen = picked;
    show();
    onPick(chosen);
  });
  show();
  return h("div", { class: "field", dataset: { field: name } }, h("label", { for: button.id }, label), h("div", { class: "row" }, shown, button), slot,
    help ? h("div", { class: "help" }, help) : null, h("div", { class: "field-error", id: "e-" + name }));
}
