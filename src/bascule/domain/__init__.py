"""The new model's vocabulary, defined once: chains, attestations in force, subrogation periods, case features.

Engines, the comparison and the SQL helpers all read these rules from
here (docs/RULES.md sections 0 and 6; docs/RULES.md), so that a rule has one
implementation and one test stating it from the rules, not from the code.
Everything works on the new model's rows as frames (one per table, columns
named as the model's, each row keyed by the record index it came from).
"""
