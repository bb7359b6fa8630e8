// German for the texts Streamlit 1.67 builds into its widgets (README, "Sprache der
// Bedienelemente"). Streamlit has no language setting: most widgets take their
// language from the browser, a few texts are fixed English. serve.py puts this
// script into the page before Streamlit's own code.
//
// 1. The page's language is German whatever the browser says, so the date picker
//    shows German months and weeks from Monday, and numbers use a decimal comma.
// 2. Known English texts of Streamlit's own controls are replaced by German ones:
//    exact whole texts only, only text nodes and the attributes below, never
//    inside content the app shows (markdown, text, tables, options, tags), and
//    never as HTML.
(() => {
  "use strict";
  const LANGUAGE = "de-DE";
  Object.defineProperty(Navigator.prototype, "language", { get: () => LANGUAGE });
  Object.defineProperty(Navigator.prototype, "languages", { get: () => [LANGUAGE, "de"] });

  const DATE = '[data-testid="stDateInput"]';
  const UPLOAD = '[data-testid="stFileUploader"]';
  // text: German, or [German, only inside this selector]
  const TEXTS = {
    "Drag and drop a file here": "Datei hierher ziehen",
    "Drag and drop files here": "Dateien hierher ziehen",
    "Drag and drop directories here": "Ordner hierher ziehen",
    Upload: ["Datei auswählen", UPLOAD],
    "Add files": ["Weitere Dateien", UPLOAD],
    dd: ["TT", DATE],
    mm: ["MM", DATE],
    yyyy: ["JJJJ", DATE],
    "Date range": "Zeitraum",
    "Select...": "Auswählen …",
    "No results": "Keine Treffer",
    "No options": "Keine Auswahl",
    "Choose an option": "Bitte auswählen",
    "Choose options": "Bitte auswählen",
    "Press Enter to submit form": "Enter zum Absenden",
    "Press Enter to apply": "Enter zum Übernehmen",
    "Download as CSV": "Als CSV herunterladen",
    "Download as PNG": "Als PNG herunterladen",
    "Download as SVG": "Als SVG herunterladen",
    Search: "Suchen",
    "Type to search": "Suchbegriff eingeben",
    "Close Search": "Suche schließen",
    "Next Result": "Nächster Treffer",
    "Previous Result": "Vorheriger Treffer",
    Fullscreen: "Vollbild",
    "Close fullscreen": "Vollbild beenden",
    "Show/hide columns": "Spalten ein-/ausblenden",
    "Sort ascending": "Aufsteigend sortieren",
    "Sort descending": "Absteigend sortieren",
    "Pin column": "Spalte fixieren",
    "Unpin column": "Spalte lösen",
    "Hide column": "Spalte ausblenden",
    "Copy column name": "Spaltenname kopieren",
    "Add row": "Zeile hinzufügen",
    "Delete row": "Zeile löschen",
    "Show data": "Daten anzeigen",
    "Copy Vega-Lite spec": "Vega-Lite-Spezifikation kopieren",
    "Copy to clipboard": "In die Zwischenablage kopieren",
    "Main menu": "Hauptmenü",
    "Collapse sidebar": "Seitenleiste einklappen",
    "Expand sidebar": "Seitenleiste ausklappen",
    Sidebar: "Seitenleiste",
    Print: "Drucken",
    "Record screen": "Bildschirm aufnehmen",
    "Record a screencast": "Bildschirm aufnehmen",
    "Running...": "Wird ausgeführt …",
    Stop: "Anhalten",
    "Stopping...": "Wird angehalten …",
    Connecting: "Verbindung wird hergestellt",
    "Please wait...": "Bitte warten …",
    "Connection error": "Verbindungsfehler",
    "Page not found": "Seite nicht gefunden",
    "The page that you have requested does not seem to exist":
      "Die aufgerufene Seite gibt es nicht. Bitte wählen Sie eine Seite in der Navigation.",
    "Choose date": "Datum wählen",
    "Choose date range": "Zeitraum wählen",
    "Clear date": "Datum leeren",
    "Clear dates": "Zeitraum leeren",
    "Clear all": "Alle entfernen",
    "Clear value": "Auswahl entfernen",
    Open: "Öffnen",
    "Show password": "Eingabe anzeigen",
    "Hide password": "Eingabe verbergen",
    "file upload": "Datei hochladen",
  };
  const PATTERNS = [
    [/^(\d+(?:\.\d+)?)\s?(B|KB|MB|GB) per file$/, "höchstens $1 $2 je Datei"],
    [/^Press (.+)\+Enter to submit form$/, "$1+Enter zum Absenden"],
    [/^(month|day|year), (.+)$/, (_, part, label) => `${PARTS[part]}, ${label}`],
    [/^(.+) (start|end) date$/, (_, label, end) => `${label}, ${end === "start" ? "von" : "bis"}`],
    [/^Remove (.+)$/, "$1 entfernen"],
    [/^Help for (.+)$/, "Hilfe zu $1"],
    [/^Selected Date: (.+)$/, (_, day) => `Gewähltes Datum: ${germanDate(day)}`],
    [/^Made with Streamlit v(.+)$/, "Erstellt mit Streamlit $1"],
    [/^You have requested page \/(.*), but no corresponding file was found/, "Die Seite „$1“ gibt es nicht."],
  ];
  // "December 01, 2026" (Streamlit's announcement for screen readers) -> "01.12.2026"
  const germanDate = (text) => {
    const day = new Date(text);
    return Number.isNaN(day.getTime()) ? text : day.toLocaleDateString(LANGUAGE, { dateStyle: "medium" });
  };
  const PARTS = { month: "Monat", day: "Tag", year: "Jahr" };
  const ATTRIBUTES = ["aria-label", "placeholder", "title"];
  const CONTENT = [
    '[data-testid="stMarkdown"]',
    '[data-testid="stText"]',
    '[data-testid="stCode"]',
    '[data-testid="stTable"]',
    '[data-testid="stDataFrame"] canvas',
    '[role="option"]',
    '[data-baseweb="tag"]',
    "noscript",
    "script",
    "style",
  ].join(",");

  function german(text, element) {
    const key = text.trim();
    const entry = TEXTS[key];
    if (entry !== undefined) {
      const [value, scope] = Array.isArray(entry) ? entry : [entry, null];
      return scope && !element.closest(scope) ? null : text.replace(key, value);
    }
    for (const [pattern, value] of PATTERNS) {
      if (pattern.test(key)) return text.replace(key, key.replace(pattern, value));
    }
    return null;
  }

  // An empty list's only "option" is Streamlit's own "No results", never app data.
  const EMPTY_LIST = '[role="listbox"][data-empty="true"]';

  function translateText(node) {
    const element = node.parentElement;
    if (!element || !node.nodeValue) return;
    if (element.closest(CONTENT) && !element.closest(EMPTY_LIST)) return;
    const value = german(node.nodeValue, element);
    if (value !== null && value !== node.nodeValue) node.nodeValue = value;
  }

  function translateAttribute(element, name) {
    const text = element.getAttribute(name);
    if (!text) return;
    const value = german(text, element);
    if (value !== null && value !== text) element.setAttribute(name, value);
  }

  function translateTree(root) {
    if (root.nodeType === Node.TEXT_NODE) return translateText(root);
    if (root.nodeType !== Node.ELEMENT_NODE) return;
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) translateText(walker.currentNode);
    const selector = ATTRIBUTES.map((name) => `[${name}]`).join(",");
    for (const element of [root, ...root.querySelectorAll(selector)]) {
      if (element.matches(selector)) ATTRIBUTES.forEach((n) => translateAttribute(element, n));
    }
  }

  const observer = new MutationObserver((records) => {
    for (const record of records) {
      if (record.type === "characterData") translateText(record.target);
      else if (record.type === "attributes")
        translateAttribute(record.target, record.attributeName);
      else record.addedNodes.forEach(translateTree);
    }
  });
  observer.observe(document.documentElement, {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: ATTRIBUTES,
  });
})();
