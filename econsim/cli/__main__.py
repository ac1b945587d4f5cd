"""``python -m econsim.cli``: the command line without the console script."""

from econsim.cli import main

if __name__ == "__main__":
    main()
