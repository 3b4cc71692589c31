"""Where generated code goes and how it is merged: prompts and anchors, merges, plans, workspace
edits."""
