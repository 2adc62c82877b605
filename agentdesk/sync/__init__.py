"""The console's side of sync (design/SYNC.md): push the outbox, pull pages, apply them."""
