"""Streamlit-side helpers: session state, caches, translations and shared widgets."""
