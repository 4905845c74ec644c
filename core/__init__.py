"""ModelOps Studio core: UI-free functions from a CSV to a monitored model.

Data flows one way: io -> profile -> prep -> models -> train -> evaluate -> artifact -> scoring.
Nothing in this package imports streamlit.
"""

__version__ = "0.1.0"
