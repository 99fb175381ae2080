"""The command line (Typer + Rich): a thin shell over `safeguarding.engine.Engine`."""
