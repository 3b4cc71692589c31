"""What a generation is told about where it is: the module around the prompt, the project's test
conventions, each within a token budget."""
