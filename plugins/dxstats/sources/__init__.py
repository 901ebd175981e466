"""One module per source: its column contract and how its files are found."""
