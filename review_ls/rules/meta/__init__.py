"""Codes the engine reports itself: syntax errors and suppressions that name unknown codes."""
