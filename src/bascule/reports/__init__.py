"""Reports: what bascule tells its users, read from results, never recomputed."""
