"""LLM providers: ``anthropic`` (Claude) and ``local`` (offline, deterministic), chained with
a circuit breaker (DESIGN.md, "Providers")."""
