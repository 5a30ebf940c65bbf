"""Keeping a kiosk well: nightly backups, retention's deletions, and `kiosk check`."""
