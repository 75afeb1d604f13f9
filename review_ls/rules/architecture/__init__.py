"""RV4 — architecture (twelve-factor): process state, configuration, patches, blobs, models, imports."""
