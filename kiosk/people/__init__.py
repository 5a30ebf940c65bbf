"""Staff and learners as the door knows them: PINs and their lockout (pins), who is signed on
(presence, duty), enrolling a card (enrolment), finding a learner (lookup) and importing the
roster and staff from the MIS (roster_import).
"""
