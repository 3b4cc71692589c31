"""Shaping generated code: formatting, imports pointed at the module, module names."""
