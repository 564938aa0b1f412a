"""bascule's own engine: the daily-allowance rules of IJ-RULES.md as code, with dated parameters."""
