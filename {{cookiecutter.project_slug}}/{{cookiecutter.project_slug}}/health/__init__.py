"""What probes and scrapers ask the service: is it alive, can it serve, its metrics."""
