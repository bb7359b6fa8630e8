"""What a person sees, checked in the browser: the rules of a presentation-grade
page (issue 14), applied to whatever is on screen now.

`problems(page, where)` returns one line per defect found, so a test can visit
every page, tab and slide and report all defects at once:
- a missing value shown as text (nan, None, NaT, undefined),
- float noise (six or more decimals),
- an English widget default (Streamlit's "Select all", the upload texts, ...),
- an exception box or the unexpected-error message,
- a chart with more than one colour series and neither a legend nor direct labels,
- text in a chart's SVG whose box leaves the chart's own box (clipping), a label
  Vega shortened with an ellipsis, light text that does not sit on a mark, an
  axis label over the marks, a chart wider than its place on the page.

The same text rules are used for the exported files (tests/e2e/test_look.py).
"""

from __future__ import annotations

import re

from playwright.sync_api import Page

# A value pandas or JavaScript writes for "missing", as a word of its own.
MISSING = re.compile(r"(?<![\w\-/])(nan|NaN|None|NaT|undefined|<NA>)(?![\w\-/])")
# 0.123456 or 12,3456789: a float printed as it is stored.
FLOAT_NOISE = re.compile(r"\d[.,]\d{6,}")
# Streamlit's own English texts (widget defaults) that can reach a German page.
ENGLISH = (
    "Select all",
    "Choose an option",
    "Choose options",
    "No results",
    "Drag and drop",
    "Browse files",
    "per file",
    "dd.mm.yyyy",
    "DD.MM.YYYY",
    "YYYY/MM/DD",
    "Press Enter",
    "Add row",
    "Delete row",
)
UNEXPECTED = "Es ist ein unerwarteter Fehler aufgetreten"


def text_problems(text: str, where: str) -> list[str]:
    """The text rules, for page text and exported files alike."""
    found = []
    for pattern, name in ((MISSING, "fehlender Wert als Text"), (FLOAT_NOISE, "Float-Rauschen")):
        for match in pattern.finditer(text):
            context = text[max(0, match.start() - 30) : match.end() + 30].replace("\n", " ")
            found.append(f"{where}: {name} {match.group(0)!r} in …{context}…")
    found += [f"{where}: englischer Text {phrase!r}" for phrase in ENGLISH if phrase in text]
    return found


# Runs in the page: the visible text of the app and the texts of its controls.
_PAGE_TEXT = """
() => {
  const app = document.querySelector("[data-testid='stApp']");
  const visible = (e) => !!(e.offsetWidth || e.offsetHeight || e.getClientRects().length);
  const attributes = [];
  for (const e of app.querySelectorAll('input, textarea, [role=combobox], [role=option]')) {
    if (!visible(e)) continue;
    // A placeholder shows only while the field is empty.
    const names = e.value ? ['aria-label'] : ['placeholder', 'aria-label', 'aria-placeholder'];
    for (const name of names) {
      const value = e.getAttribute(name);
      if (value) attributes.push(value);
    }
  }
  return app.innerText + '\\n' + attributes.join('\\n');
}
"""

# Runs on one chart element: clipping, legends and overlaps in Vega's SVG.
_CHART = """
(host) => {
  const out = [];
  const svg = host.querySelector('svg.marks');
  if (!svg) return {renderer: 'canvas', problems: out, title: ''};
  const titleText = (svg.querySelector('g.role-title text') || {}).textContent || '';
  const inside = (r, b, tol) => r.left >= b.left - tol && r.right <= b.right + tol
                               && r.top >= b.top - tol && r.bottom <= b.bottom + tol;
  const overlap = (a, b) => Math.max(0, Math.min(a.right, b.right) - Math.max(a.left, b.left))
                          * Math.max(0, Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top));
  const box = svg.getBoundingClientRect();
  const place = host.getBoundingClientRect();
  if (box.right > place.right + 2 || box.left < place.left - 2) {
    out.push(`Diagramm breiter als sein Platz (${Math.round(box.width)} > ${Math.round(place.width)} px)`);
  }
  const markBoxes = [...svg.querySelectorAll('g.mark-rect path, g.mark-rect rect')]
    .map((p) => p.getBoundingClientRect()).filter((r) => r.width > 0 && r.height > 0);
  const light = (fill) => /^(white|#fff|#ffffff|rgb\\(255, ?255, ?255\\))$/i.test(fill || '');
  for (const t of svg.querySelectorAll('text')) {
    const text = t.textContent.trim();
    const r = t.getBoundingClientRect();
    if (!text || r.width === 0) continue;
    if (!inside(r, box, 3)) out.push(`Text ragt aus dem Diagramm: "${text}"`);
    if (text.endsWith('…')) out.push(`Text abgeschnitten: "${text}"`);
    if (light(t.getAttribute('fill')) && !markBoxes.some((m) => inside(r, m, 1))) {
      out.push(`heller Text neben seinem Balken (unlesbar): "${text}"`);
    }
    if (t.closest('g.role-axis-label') && markBoxes.some((m) => overlap(r, m) > 4)) {
      out.push(`Achsenbeschriftung über den Feldern: "${text}"`);
    }
  }
  const colours = (selector, attr) => new Set([...svg.querySelectorAll(selector)]
      .map((p) => p.getAttribute(attr)).filter((c) => c && c !== 'none' && c !== 'transparent'));
  const legend = svg.querySelectorAll('g.role-legend').length > 0;
  const lines = colours('g.mark-line path', 'stroke');
  const fills = new Set([...colours('g.mark-rect path', 'fill'), ...colours('g.mark-symbol path', 'fill'),
                         ...colours('g.mark-arc path', 'fill'), ...colours('g.mark-area path', 'fill')]);
  const labels = svg.querySelectorAll('g.mark-text text').length > 0;
  if (lines.size > 1 && !legend) out.push(`${lines.size} Linien in Farben ohne Legende`);
  if (fills.size > 1 && !legend && !labels) out.push(`${fills.size} Farben ohne Legende oder Beschriftung`);
  return {renderer: 'svg', problems: out, title: titleText};
}
"""


def chart_problems(page: Page, where: str) -> list[str]:
    """The chart rules for every chart visible now (charts in closed tabs are skipped)."""
    found = []
    charts = page.get_by_test_id("stVegaLiteChart")
    for i in range(charts.count()):
        chart = charts.nth(i)
        if not chart.is_visible():
            continue
        chart.locator("svg.marks, canvas").first.wait_for(state="attached", timeout=30_000)
        result = chart.evaluate(_CHART)
        name = result["title"] or f"Diagramm {i + 1}"
        found += [f"{where} › {name}: {problem}" for problem in result["problems"]]
    return found


def problems(page: Page, where: str) -> list[str]:
    """Every rule, on what the page shows now."""
    found = []
    if page.get_by_test_id("stException").count():
        found.append(f"{where}: Fehlerkasten mit Traceback")
    text = page.evaluate(_PAGE_TEXT)
    if UNEXPECTED in text:
        found.append(f"{where}: {UNEXPECTED}")
    found += text_problems(text, where)
    found += chart_problems(page, where)
    return found


def dropdown_problems(page: Page, where: str) -> list[str]:
    """Open each visible multiselect and read its list (Streamlit adds 'Select all')."""
    found = []
    boxes = page.get_by_test_id("stMultiSelect")
    for i in range(boxes.count()):
        box = boxes.nth(i)
        if not box.is_visible():
            continue
        box.locator("input").first.click()
        listbox = page.get_by_role("listbox")
        try:
            listbox.first.wait_for(state="visible", timeout=5_000)
            found += text_problems(listbox.first.inner_text(), f"{where} › Auswahlliste {i + 1}")
        finally:
            page.keyboard.press("Escape")
            listbox.first.wait_for(state="hidden", timeout=5_000)
    return found
