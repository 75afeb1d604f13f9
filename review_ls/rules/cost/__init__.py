"""RV8 — algorithmic cost: pairwise scans, queries per item, expensive checks on every step."""
