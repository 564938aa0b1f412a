"""Shadow runner, day-grain comparison, verdicts and clustering (see DESIGN.md)."""
