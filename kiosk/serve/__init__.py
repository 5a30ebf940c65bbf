"""The kiosk and the office served to a browser: one `kiosk run` kept running for the panel
(panel, panel_touch) and a Textual app's page served with every asset local (textual_page).
"""
