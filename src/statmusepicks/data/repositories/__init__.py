"""Read-side queries over the database, returning plain records and data frames."""
