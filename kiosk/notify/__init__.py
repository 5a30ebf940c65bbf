"""Notifications for the attendance officer and the DSL: what each says and to whom, queued in the
caller's transaction (queue), and sending the outbox by email (send).
"""
