import sys

from mlnotes_site.cli import main

sys.exit(main())
