"""What code shapes mean: shared knowledge that rules and the project index use (no rules here)."""
