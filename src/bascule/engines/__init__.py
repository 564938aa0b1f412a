"""Engines behind one interface, writing day-grain ledgers (see DESIGN.md)."""
