import sys

from matching.evaluation.run import main

sys.exit(main())
