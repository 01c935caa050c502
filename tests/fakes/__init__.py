"""Local fake servers that speak real providers' wire formats on 127.0.0.1."""
