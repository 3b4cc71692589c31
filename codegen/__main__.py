"""`python -m codegen` is the `codegen` command."""

import sys

from .cli import main

sys.exit(main())
