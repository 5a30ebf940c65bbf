"""The office's use cases, one set for the kiosk's office screens, the web office and the
command line: the morning's overview, the fire roll, signing out, collection
after suspected influence, and amending a mark.
"""
