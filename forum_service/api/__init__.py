"""HTTP layer: routes, request/response schemas, authentication and the error shape."""
