"""program-assistant: a Korean RAG assistant for government startup-support programs, offline on a CPU."""

__version__ = "0.1.0"
