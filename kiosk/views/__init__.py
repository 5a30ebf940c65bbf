"""View models: the plain frozen values use cases build, screens show and staff-side screens
dismiss with, one module a face (the lane, the learner's desk, the office, who is on site).
Screens and use cases import them; they import only the domain."""
