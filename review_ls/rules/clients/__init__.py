"""RV2 — clients and connections: clients built per iteration or per request instead of once."""
