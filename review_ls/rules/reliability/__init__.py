"""RV5 — reliability and observability: failures hidden, data not durable, memory that only grows."""
