"""The office as a web page: `kiosk office` serves it to the desk's browser.

Server-rendered HTML (Starlette and Jinja2), reading through the same use cases and view models
as the kiosk's office screens; forms and links do the work, with one small script of our own
for the idle sign-off and the print button.
"""

from kiosk.office_web.app import make_office_web

__all__ = ["make_office_web"]
