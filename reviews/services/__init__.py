"""Every change to periods, subjects, reports and comments goes through these modules:
`periods`, `enrolment`, `reports`, `circulation` (one module per subject)."""
