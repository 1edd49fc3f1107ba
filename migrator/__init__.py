"""migrator: move Python code off the OpenAI API onto Chinese model providers."""

__version__ = "0.1.0"
