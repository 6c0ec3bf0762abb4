// A chart as a picture (PNG), made in the browser from the SVG the server serves for it:
// a static file, as the Content-Security-Policy allows no inline script and no eval.
//
// Each button `.bahali-png` names the chart's SVG address (`data-svg`) and the file's name
// (`data-name`). The SVG is fetched (with the page's filters, so the picture is the chart
// on the page), given the page's font family, and drawn onto a canvas twice its size; the
// canvas becomes a PNG file. The SVG keeps its own direction (bars read from the right in a
// right-to-left language; time runs left to right in every language).
//
// Known limit: a picture drawn from an SVG cannot reach the page's web fonts, and the
// Content-Security-Policy (style-src 'self') blocks a font embedded in the SVG as an inline
// <style>, so Urdu and Pashto words in the PNG are drawn in the system's Arabic-script font
// rather than Noto Naskh Arabic.
"use strict";
(() => {
  const SCALE = 2;
  const base64 = (bytes) => {
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    }
    return btoa(text);
  };

  // The served SVG, standing alone: its size in pixels and the page's font family.
  const standalone = async (address) => {
    const response = await fetch(address, { credentials: "same-origin" });
    if (!response.ok) throw new Error(`${response.status}`);
    const doc = new DOMParser().parseFromString(await response.text(), "image/svg+xml");
    const svg = doc.documentElement;
    if (svg.nodeName !== "svg") throw new Error("not an SVG");
    const box = (svg.getAttribute("viewBox") || "0 0 640 340").split(/[\s,]+/).map(Number);
    const [width, height] = [box[2], box[3]];
    svg.setAttribute("width", String(width * SCALE));
    svg.setAttribute("height", String(height * SCALE));
    const family = getComputedStyle(document.body).fontFamily;
    if (!svg.getAttribute("font-family") || svg.getAttribute("font-family") === "inherit") {
      svg.setAttribute("font-family", family);
    }
    const text = new XMLSerializer().serializeToString(svg);
    return { text, width: width * SCALE, height: height * SCALE };
  };

  const picture = (source) =>
    new Promise((resolve, reject) => {
      const image = new Image();
      image.onload = () => resolve(image);
      image.onerror = () => reject(new Error("the SVG could not be drawn"));
      image.src = `data:image/svg+xml;base64,${base64(new TextEncoder().encode(source))}`;
    });

  const png = async (address) => {
    const { text, width, height } = await standalone(address);
    const image = await picture(text);
    if (image.decode) await image.decode();
    await document.fonts.ready;
    const canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext("2d");
    context.fillStyle = "#ffffff"; // a picture with a background reads on any viewer
    context.fillRect(0, 0, width, height);
    context.drawImage(image, 0, 0, width, height);
    return new Promise((resolve, reject) =>
      canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("no PNG"))), "image/png"),
    );
  };

  const save = (blob, name) => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = `${name}.png`;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  };

  document.addEventListener("click", async (event) => {
    const button = event.target.closest(".bahali-png");
    if (!button) return;
    event.preventDefault();
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      save(await png(button.dataset.svg), button.dataset.name || "bahali-chart");
      button.dataset.state = "done";
    } catch (error) {
      button.dataset.state = "failed";
      button.title = button.dataset.failed || button.title;
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });
})();
