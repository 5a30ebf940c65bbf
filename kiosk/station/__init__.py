"""The station's controllers, one per concern, composed by the Textual app (kiosk.app).

The staff session (sign on, lock, duty, the queue as staff's home), the learner's desk and its
search, the office at the kiosk and its exports, the lane's front (the queue, what each outcome
does), the tap pipeline, the staff's status line, and reads kept off the UI thread. Each is
given the app through the narrow protocols of `host` and the parts it works with, nothing more.
"""
