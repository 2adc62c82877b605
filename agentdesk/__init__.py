"""agentdesk: a keyboard-first terminal console for call-centre agents."""

__version__ = "0.1.0"
