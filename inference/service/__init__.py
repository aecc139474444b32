"""`nobody serve`: the HTTP API (aiohttp) in front of a `JobBackend`; see openapi.yaml and the README."""
