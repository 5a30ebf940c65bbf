"""The morning at the door, the use cases that write the mark: whose badge it is, admission and
refusal (arrivals), the plain sign-in tap (checkin), the lane stepped and recorded (lane), the
arch's or wand's screening (screenings) and the lawful search (searches).
"""
