"""Publishing banks as signed feeds (docs/exchanges.md): per-subscriber grants, pages of
adds and removals in commit order from the banks' change log, each signed with Ed25519."""
