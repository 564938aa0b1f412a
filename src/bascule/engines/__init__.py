"""Engines behind one interface, writing day-grain ledgers (see docs/DESIGN.md)."""
