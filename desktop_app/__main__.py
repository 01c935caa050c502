"""Lets `python -m desktop_app` run the same program as `consent-desk`."""

from desktop_app.cli import main

raise SystemExit(main())
