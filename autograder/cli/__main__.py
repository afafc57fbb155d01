"""``python -m autograder.cli``: the same as the ``autograder`` command."""
import sys

from autograder.cli import main

sys.exit(main())
