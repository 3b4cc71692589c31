"""The LSP features beyond the handlers' few lines: configuration per workspace folder,
generation and applying its edit, the palette commands, the trace page, the Test Explorer."""
