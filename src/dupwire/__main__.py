from __future__ import annotations

from dupwire.cli import main

main()
