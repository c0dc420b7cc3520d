"""Every change to meetings and ballots goes through these modules: `meetings` (attendance,
agenda, conclusions) and `ballots` (rounds, casting, closing, paper counts)."""
