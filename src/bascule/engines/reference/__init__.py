"""bascule's own engine: the daily-allowance rules of docs/RULES.md as code, with dated parameters."""
