"""`python -m orders_core.cli`: the same as `orders-core`."""

import sys

from orders_core.cli.main import main

sys.exit(main())
