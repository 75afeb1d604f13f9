"""RV1 — I/O and memory: whole files loaded where streaming fits, archives built in memory,
temporary-file round trips and regular expressions looked up on every iteration."""
