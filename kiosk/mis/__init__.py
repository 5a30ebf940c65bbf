"""Writing session marks back to the school's MIS (Wonde, Arbor, SIMS); rosters from it."""
