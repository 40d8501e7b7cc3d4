"""Optional language models: providers that stream text, and the written analysis of a prop.

Nothing here is required: without OLLAMA_URL or LLM_BASE_URL every feature answers from the
numbers alone.
"""
