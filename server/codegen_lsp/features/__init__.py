"""The LSP features beyond the handlers' few lines: generation, the palette commands, the Test
Explorer."""
