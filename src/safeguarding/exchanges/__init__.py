"""Hash exchanges: configured sources of a bank (`file` lists, other Safeguarding instances'
signed feeds), their credentials sealed at rest, their checkpoints and status
(docs/exchanges.md)."""
