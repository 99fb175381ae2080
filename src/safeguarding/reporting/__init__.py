"""Reports the law requires: NCMEC CyberTipline (US) and the National Crime Agency (UK).
Built from a decided case, approved by a senior reviewer, sent through the outbox."""
