"""A finger dragged on the panel scrolls what is under it: the script the panel's page runs.

What a drag becomes: nothing. The page's terminal (xterm.js) turns a tap into a mouse press and
release, because Chromium follows a tap with compatibility mouse events; it sends no mouse event
for a touch that moves (Chromium fires none once a touch moves), and while the app has mouse
reporting on, xterm.js drops `touchmove` itself (its own touch scrolling is for its scrollback,
which the alternate screen Textual draws on does not have). So a swipe reached no screen at all.

The script below turns a one-finger vertical drag on the terminal into wheel events where the
finger is, one for every two rows the finger travels (Textual scrolls two lines per wheel
step), so the content follows the finger. xterm.js reports a wheel to the app as a scroll
button, and Textual scrolls whatever scrollable widget is under it: every scrolling container,
table, list and drop-down on every screen, with no change to any screen. A drag that moves less
than two rows is left alone, so a tap (and a finger that wobbles on a button) is still a tap.

It goes in the panel page's script block (kiosk.serve.panel's PANEL_PAGE), as
`<script>{TOUCH_DRAG_SCRIPT}</script>`.
"""

from __future__ import annotations

TOUCH_DRAG_SCRIPT = """
(() => {
  // A one-finger drag on the kiosk's terminal scrolls what is under the finger
  // (kiosk.serve.panel_touch).
  const ROWS_PER_STEP = 2;
  let last = null;
  const screenOf = () => document.querySelector(".xterm-screen");
  // A row of the grid in pixels: the page's font size (its ?fontsize=) at xterm's line height.
  const fontSize = Number(new URLSearchParams(window.location.search).get("fontsize")) || 16;
  const rowHeight = () => Math.ceil(fontSize * 1.15);
  document.addEventListener("touchstart", (event) => {
    last = event.touches.length === 1
      ? { y: event.touches[0].clientY }
      : null;
  }, { capture: true, passive: true });
  document.addEventListener("touchmove", (event) => {
    const screen = screenOf();
    if (!last || !screen || event.touches.length !== 1) return;
    const touch = event.touches[0], step = rowHeight() * ROWS_PER_STEP;
    let steps = Math.trunc((last.y - touch.clientY) / step);
    if (steps === 0) return;
    event.preventDefault();
    const direction = Math.sign(steps);
    for (; steps !== 0; steps -= direction) {
      screen.dispatchEvent(new WheelEvent("wheel", {
        bubbles: true, cancelable: true, clientX: touch.clientX, clientY: touch.clientY,
        deltaMode: WheelEvent.DOM_DELTA_LINE, deltaY: direction,
      }));
      last.y -= direction * step;
    }
  }, { capture: true, passive: false });
  document.addEventListener("touchend", () => { last = null; }, { capture: true });
})();
"""

__all__ = ["TOUCH_DRAG_SCRIPT"]
