"""Face datasets from footage: aligned crops (extract), clear rejection rules (filtering) and
one folder per person (cluster); `job` runs the three in a row for the web app."""
