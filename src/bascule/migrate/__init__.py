"""Migration of legacy extracts into the new data model: model, translation, validation, loading, reconciliation."""
