"""A Textual app's page served to a browser (textual-serve), with every asset from this machine.

textual-serve's own page asks a font CDN for its typeface; a school's network may have no way
out (and a browser should not tell a third party whenever the office is opened), so the page
here is its page without that link, with the same typeface from the fonts textual-serve ships.
Its URLs are made from the request, so the page works the same through a TLS reverse proxy
(which says how it was reached in X-Forwarded-Proto and X-Forwarded-Host). The panel's server
(kiosk.serve.panel) extends it; the office is a web page of its own (kiosk.office_web).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.server import Server

log = logging.getLogger(__name__)

# textual-serve's app_index.html, less the CDN stylesheet, plus the shipped font as @font-face.
# Each server's page extends it: what shows when the connection closes, and any script.
BASE_PAGE = """<!DOCTYPE html>
<html>
  <head>
    <meta charset="utf-8" />
    <title>{{ title }}</title>
    <link rel="stylesheet" href="{{ static }}css/xterm.css" />
    <style>
      @font-face {
        font-family: "Roboto Mono";
        src: url("{{ static }}fonts/RobotoMono-VariableFont_wght.ttf") format("truetype");
        font-style: normal;
        font-weight: 100 700;
      }
      @font-face {
        font-family: "Roboto Mono";
        src: url("{{ static }}fonts/RobotoMono-Italic-VariableFont_wght.ttf") format("truetype");
        font-style: italic;
        font-weight: 100 700;
      }
      body { background: #0c181f; margin: 0; }
      .closed-dialog { display: none; position: absolute; inset: 0; z-index: 10;
        align-items: center; justify-content: center; color: #fff;
        font-family: "Roboto Mono", monospace; background: #0c181f; }
      body.-closed .closed-dialog { display: flex; flex-direction: column; }
      .closed-dialog button { padding: 16px 32px; margin: 16px; border: none;
        background: #5e0ba7; color: #fff; font: inherit; cursor: pointer; }
    </style>
    <script src="{{ static }}js/textual.js"></script>
  </head>
  <body>
    <div class="closed-dialog">{% block closed %}{% endblock %}</div>
    <div
      id="terminal"
      class="textual-terminal"
      data-session-websocket-url="{{ websocket }}"
      data-font-size="{{ font_size }}"
    ></div>
    {% block script %}{% endblock %}
  </body>
</html>
"""


class PageServer(Server):
    """textual-serve's server with BASE_PAGE extended by `PAGE`; every asset from here."""

    PAGE: ClassVar[str]

    def initialize_logging(self) -> None:
        # The service's log is plain lines for the journal, not textual-serve's rich console.
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    def routes(self) -> list[web.AbstractRouteDef]:
        """The page, its websocket and the static files; a subclass adds its own."""
        return [
            web.get("/", self.handle_index, name="index"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.static("/static", self.statics_path, name="static"),
        ]

    async def _make_app(self) -> web.Application:
        # As textual-serve's own, with the page above in place of its template folder.
        app = web.Application()
        pages = {"page.html": BASE_PAGE, "this.html": self.PAGE}
        aiohttp_jinja2.setup(app, loader=jinja2.DictLoader(pages))
        app.add_routes(self.routes())
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    async def handle_index(self, request: web.Request) -> web.Response:
        scheme = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
        host = request.headers.get("X-Forwarded-Host", request.host).split(",")[0].strip()
        try:
            font_size = int(request.query.get("fontsize", "16"))
        except ValueError:
            font_size = 16
        context: dict[str, Any] = {
            "title": self.title,
            "static": "/static/",
            "websocket": f"{'wss' if scheme == 'https' else 'ws'}://{host}/ws",
            "font_size": font_size,
        }
        return aiohttp_jinja2.render_template("this.html", request, context)
