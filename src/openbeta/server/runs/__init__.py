"""The run engine: the state machine that drives runs, its leases, records, context and events."""
