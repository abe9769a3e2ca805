"""The `facecast` command: `main` holds the Typer app, `dataset` its dataset sub-app,
`progress` the progress bars both draw."""
