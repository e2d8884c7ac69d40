import sys

from zgwatch.cli import main

sys.exit(main())
