// The console's accessibility audit (test/browser/accessibility.test.ts, and the browser tests of
// dialogs that page does not open): each visible control has an accessible name, each text WCAG AA
// contrast against what is behind it.

/** Run in the page: the controls without a name, and the texts below AA contrast. */
export const AUDIT = `(() => {
  const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el); return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const nameOf = (el) => {
    const by = el.getAttribute('aria-labelledby');
    if (by) return by.split(/\\s+/).map((id) => document.getElementById(id)?.textContent ?? '').join(' ').trim();
    if (el.getAttribute('aria-label')) return el.getAttribute('aria-label').trim();
    if (el.labels && el.labels.length) return Array.from(el.labels).map((l) => l.textContent).join(' ').trim();
    if (['BUTTON', 'A', 'SUMMARY'].includes(el.tagName) || el.getAttribute('role') === 'button') return (el.textContent ?? '').trim();
    return (el.getAttribute('title') ?? '').trim();
  };
  const unnamed = Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a[href], [role=button], [tabindex="0"]'))
    .filter((el) => visible(el) && el.id !== 'view-heading' && el.getAttribute('role') !== 'log' && !nameOf(el))
    .map((el) => el.outerHTML.slice(0, 120));
  const rgba = (text) => { const m = text.match(/rgba?\\(([^)]+)\\)/); if (!m) return [0, 0, 0, 0]; const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = ([r, g, b]) => { const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }); return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
  const background = (el) => {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) { const c = rgba(getComputedStyle(node).backgroundColor); if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    let out = [255, 255, 255];
    for (const c of layers.reverse()) out = out.map((v, i) => c[i] * c[3] + v * (1 - c[3]));
    return out;
  };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!visible(el) || el.closest('svg') || !Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    const s = getComputedStyle(el);
    const fg = rgba(s.color);
    const bg = background(el);
    const color = fg.slice(0, 3).map((v, i) => v * fg[3] + bg[i] * (1 - fg[3]));
    const [a, b] = [lum(color), lum(bg)];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    const disabled = el.closest('button:disabled, [aria-disabled=true]');
    if (!disabled && ratio < (large ? 3 : 4.5)) low.push(el.tagName + ' "' + el.textContent.trim().slice(0, 40) + '" ' + ratio.toFixed(2));
  }
  return { unnamed, low, controls: document.querySelectorAll('input, select, textarea, button').length };
})()`;

/** What {@link AUDIT} answers. */
export interface AuditResult {
  unnamed: string[];
  low: string[];
  controls: number;
}
