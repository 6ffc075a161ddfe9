"""Pure functions that clean and split article dumps, and the thin Beam transforms over them."""
