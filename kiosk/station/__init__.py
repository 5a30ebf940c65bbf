"""The station: the Textual app (app), built from the config by the launcher (launch) with its
hardware (devices, device_inbox, device_lock), its one writer thread (writer), the door's known
badges (known_badges), the crash and systemd hooks (crash, systemd_notify), and the controllers
the app composes, one per concern.

The staff session (sign on, lock, duty, the queue as staff's home), the learner's desk and its
search, the office at the kiosk and its exports, the lane's front (the queue, what each outcome
does), the tap pipeline, the staff's status line, and reads kept off the UI thread. Each is
given the app through the narrow protocols of `host` and the parts it works with, nothing more.
"""
