"""The law and the school's policy for entry screening, as pure functions over plain values."""
