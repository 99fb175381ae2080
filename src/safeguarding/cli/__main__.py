"""`python -m safeguarding.cli`."""

from safeguarding.cli.main import main

main()
