"""``python -m needlepoint.protocol [plan] ARGS`` — same as ``needlepoint plan ARGS``."""

import sys

from .cli import main

args = sys.argv[1:]
if args[:1] == ["plan"]:
    args = args[1:]
raise SystemExit(main(args))
