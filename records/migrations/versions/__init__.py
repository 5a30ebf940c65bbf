"""Migration scripts, one per schema change, oldest first (a package so wheels ship them)."""
