"""Pure service rules: tickets, statuses, PII masking, clocks. No UI, no SQL, no HTTP."""
