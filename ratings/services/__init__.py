"""Every change to meetings, ballots and ratings goes through these modules: `meetings`
(attendance, agenda, conclusions), `ballots` (rounds, casting, closing, paper counts),
`appraisal` (checks, proposals, changed levels), `decisions` (quota, decide, publish, cancel),
`discipline` (records and re-opening) and `checks` (what appraisal and decisions share)."""
