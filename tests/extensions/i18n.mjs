// shopify.i18n as Shopify implements it, over an extension's locale file's `words` (its locales/<lang>.json):
// {{name}} replaced, and for `count` the form Intl.PluralRules picks. A key missing from the file fails
// the render. Used by run.mjs (happy-dom) and by the Chromium page (tests/extensions/page.jsx).
export function translator(words, language, file) {
  const plural = new Intl.PluralRules(language);
  return {
    translate(key, values = {}) {
      let text = words[key];
      if (text === undefined) throw new Error(`${file} has no "${key}"`);
      if (typeof text === 'object') text = text[plural.select(values.count)] ?? text.other;
      return text.replace(/\{\{(\w+)\}\}/g, (_, name) => {
        if (!(name in values)) throw new Error(`"${key}" needs {{${name}}}`);
        return String(values[name]);
      });
    },
    formatNumber: (n) => new Intl.NumberFormat(language).format(n),
    formatCurrency: (n, options) => new Intl.NumberFormat(language, {style: 'currency', ...options}).format(n),
    formatDate: (date, options) => new Intl.DateTimeFormat(language, options).format(date),
  };
}
