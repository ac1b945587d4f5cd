"""Run econsim from a checkout without installing: ``python cli.py run``."""

from econsim.cli import main

if __name__ == "__main__":
    main()
