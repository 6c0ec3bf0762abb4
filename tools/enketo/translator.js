// enketo-core's messages in the page's language: the page lists them, translated by Django,
// in a JSON script element (id "enketo-messages"), keyed as enketo-core asks for them
// ("constraint.required"); anything else falls back to the key's last part.
let messages = null;

function t(key, options) {
  if (messages === null) {
    const element = document.getElementById("enketo-messages");
    messages = element ? JSON.parse(element.textContent) : {};
  }
  let text = messages[key] || key.split(".").pop();
  Object.entries(options || {}).forEach(([name, value]) => {
    text = text.replace(`__${name}__`, value);
  });
  return text;
}

export { t };
