"""Shaping generated code: formatting, imports pointed at the module, rebindings found, module
names."""
