"""ActorsQuery: the persons behind a data point of an insight, or the persons of a project."""
