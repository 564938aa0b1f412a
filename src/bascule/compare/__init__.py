"""Shadow runner, day-grain comparison, verdicts and clustering (see docs/DESIGN.md)."""
