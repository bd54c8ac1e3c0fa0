"""``python -m demo_corpus``: write the demo corpus (see :mod:`demo_corpus.generate`)."""

import sys

from demo_corpus.generate import main

sys.exit(main())
