"""The Responses API face: responses driven by the run engine, their events, their rendering."""
