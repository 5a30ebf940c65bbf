// The office page's one script: it tells the server the page is in use (so a reader is not
// signed off mid-page), sends an unused page back to sign-in after the idle time, and prints.
(() => {
  const body = document.body;
  const idle = Number(body.dataset.idleSeconds || 0) * 1000;
  const token = body.dataset.csrf || "";
  document.querySelectorAll("[data-print]").forEach((button) =>
    button.addEventListener("click", () => window.print()));
  if (!idle) return;
  let usedAt = Date.now();
  let toldAt = Date.now();
  const used = () => { usedAt = Date.now(); };
  ["keydown", "pointerdown", "wheel", "touchstart", "scroll"].forEach((name) =>
    window.addEventListener(name, used, { passive: true }));
  setInterval(() => {
    const now = Date.now();
    if (now - usedAt >= idle + 1500) {
      window.location.assign("/sign-in");
    } else if (usedAt > toldAt && now - toldAt >= Math.min(30000, idle / 3)) {
      toldAt = now;
      const form = new FormData();
      form.append("csrf", token);
      fetch("/alive", { method: "POST", body: form, credentials: "same-origin" })
        .then((answer) => { if (answer.status === 401) window.location.assign("/sign-in"); });
    }
  }, 1000);
})();
