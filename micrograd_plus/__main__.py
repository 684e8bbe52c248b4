"""``python -m micrograd_plus``: the same as the ``micrograd-plus`` command."""

import sys

from micrograd_plus.cli import main

sys.exit(main())
