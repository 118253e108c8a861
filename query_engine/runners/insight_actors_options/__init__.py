"""InsightActorsQueryOptions: the points a persons list can switch between."""
