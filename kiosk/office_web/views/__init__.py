"""The office page's routes, one module per concern."""
