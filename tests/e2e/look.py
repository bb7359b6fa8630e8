"""What a person sees, checked in the browser: the rules of a presentation-grade
page (issue 14), applied to whatever is on screen now.

`problems(page, where)` returns one line per defect found, so a test can visit
every page, tab and slide and report all defects at once:
- a missing value shown as text (nan, None, NaT, undefined),
- float noise (six or more decimals),
- an English widget default (Streamlit's "Select all", the upload texts, ...),
- an exception box or the unexpected-error message,
- the chart rules of tests/chart_layout.py, on the SVG Streamlit drew: a chart
  with several colour series and neither a legend nor figures, text whose box
  leaves the chart's own box (clipping), a label cut with "…", white text off its
  mark, texts on each other, axis labels on the marks; and a chart wider than its
  place on the page.

The same text rules are used for the exported files (tests/e2e/test_look.py).
"""

from __future__ import annotations

import re

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from tests.chart_layout import MEASURE, layout_of, layout_problems

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
# An element the browser could not draw: Streamlit puts the JavaScript error and its
# stack into an error box ("TypeError: ...", "at https://.../static/js/...").
BROWSER_ERROR = re.compile(r"^\w*(Error|Exception)\b|\bat \S+/static/js/", re.MULTILINE)


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


def chart_problems(page: Page, where: str) -> list[str]:
    """The chart rules of tests/chart_layout.py on every chart visible now (charts
    in closed tabs are skipped), as Streamlit drew it, and no chart wider than its
    place on the page."""
    found = []
    charts = page.get_by_test_id("stVegaLiteChart")
    for i in range(charts.count()):
        chart = charts.nth(i)
        if not chart.is_visible():
            continue
        svg = chart.locator("svg.marks").first
        svg.wait_for(state="attached", timeout=30_000)
        layout = layout_of(svg.evaluate(MEASURE))
        titles = [t.text for t in layout.texts if t.role == "title-text"]
        name = titles[0] if titles else f"Diagramm {i + 1}"
        place, box = chart.bounding_box(), svg.bounding_box()
        if box["x"] + box["width"] > place["x"] + place["width"] + 2:
            found.append(f"{where} › {name}: breiter als sein Platz auf der Seite")
        found += [f"{where} › {name}: {problem}" for problem in layout_problems(layout)]
    return found


def problems(page: Page, where: str) -> list[str]:
    """Every rule, on what the page shows now."""
    found = []
    if page.get_by_test_id("stException").count():
        found.append(f"{where}: Fehlerkasten mit Traceback")
    text = page.evaluate(_PAGE_TEXT)
    if UNEXPECTED in text:
        found.append(f"{where}: {UNEXPECTED}")
    for box in page.get_by_test_id("stAlertContentError").all_inner_texts():
        if BROWSER_ERROR.search(box):
            found.append(f"{where}: Element nicht gezeichnet ({box.splitlines()[0]})")
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
        listbox = page.get_by_role("listbox").first
        for attempt in (1, 2):  # a click may be spent on leaving another field
            box.locator("input").first.click()
            try:
                listbox.wait_for(state="visible", timeout=5_000)
                break
            except PlaywrightError as err:
                if attempt == 2:
                    message = f"{where}: Auswahlliste {i + 1} öffnet sich nicht"
                    raise AssertionError(message) from err
        try:
            found += text_problems(listbox.inner_text(), f"{where} › Auswahlliste {i + 1}")
        finally:
            page.keyboard.press("Escape")
            listbox.wait_for(state="hidden", timeout=5_000)
            # leave the field as a user would, so the next click is not spent on it
            page.evaluate("document.activeElement && document.activeElement.blur()")
    return found
