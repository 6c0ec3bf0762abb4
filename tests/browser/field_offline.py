"""Helpers for the offline page's browser tests: the page runs enketo-core, whose controls
are named by their XForm path (``/data/case``); answers are given by the question's name."""

from __future__ import annotations

COUNT = "() => document.querySelector('[data-testid=offline-waiting]').dataset.count === '%s'"
# Everything kept in the browser's database, as stored (encrypted), by store.
KEPT = """() => new Promise((resolve, reject) => {
  const request = indexedDB.open("bahali-field");
  request.onsuccess = () => {
    const db = request.result, out = {};
    const names = [...db.objectStoreNames];
    const tx = db.transaction(names);
    names.forEach((name) => {
      const all = tx.objectStore(name).getAll();
      all.onsuccess = () => {
        out[name] = all.result.filter((item) => !(item.key instanceof CryptoKey));
      };
    });
    tx.oncomplete = () => resolve(JSON.stringify(out));
  };
  request.onerror = () => reject(request.error);
})"""
FILL = """(values) => {
  const form = document.querySelector("[data-testid=offline-form-host] form");
  for (const [name, value] of Object.entries(values)) {
    const elements = [...form.querySelectorAll("input, select, textarea")].filter(
      (element) => element.name && element.name.endsWith("/" + name) && element.type !== "hidden");
    if (!elements.length) { throw new Error("no question " + name); }
    for (const element of elements) {
      if (element.type === "checkbox" || element.type === "radio") {
        element.checked = value.split(" ").includes(element.value);
      } else {
        element.value = value;
      }
      element.dispatchEvent(new Event("input", { bubbles: true }));
      element.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }
}"""
VALUE = """(name) => {
  const form = document.querySelector("[data-testid=offline-form-host] form");
  const elements = [...form.querySelectorAll("input, select, textarea")].filter(
    (element) => element.name && element.name.endsWith("/" + name) && element.type !== "hidden");
  return elements.filter((e) => !(e.type === "radio" || e.type === "checkbox") || e.checked)
    .map((e) => e.value).join(" ");
}"""


def open_offline_page(page) -> None:
    """Opened while connected, then controlled by the service worker (which keeps it)."""
    page.goto("/field/offline/")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(COUNT % "0")
    page.wait_for_selector("[data-testid=offline-form-host] form.or")


def pick_form(page, form_id: str) -> None:
    page.select_option("#offline-pick", form_id)
    page.wait_for_selector(f'[data-testid=offline-form-host] form[data-form-id="{form_id}"]')


def fill(page, values: dict[str, str]) -> None:
    page.evaluate(FILL, values)


def keep(page, count: int) -> None:
    page.get_by_test_id("offline-keep").click()
    page.wait_for_function(COUNT % count)
