"""RV6 — security: user-chosen paths reaching the filesystem or an upstream, unauthenticated sockets."""
