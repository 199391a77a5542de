#!/usr/bin/env python
"""Same as the `scent` console script."""

from scent.cli import main

if __name__ == "__main__":
    main()
