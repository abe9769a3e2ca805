"""`python -m facecast.cli` runs the same app as the `facecast` command."""

from facecast.cli.main import app

app()
