"""Running jobs away from the caller: in-process (embedded default) or on Redis-backed workers (arq)."""
