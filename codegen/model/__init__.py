"""The model: its client, the reply schemas and structured output, prompt templates,
record/replay."""
