"""Integrations with agent frameworks, each imported on its own (``import scopecast`` loads none).

- :mod:`scopecast.integrations.langgraph`: guarded LangChain tools and consent through
  LangGraph's ``interrupt`` (``pip install 'scopecast[langgraph]'``).
"""
