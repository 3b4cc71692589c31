"""The model: its client, what its endpoint's failures mean, the reply schemas and structured
output, prompt templates, record/replay."""
