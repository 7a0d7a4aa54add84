import sys

from counter_app.cli import main

sys.exit(main())
