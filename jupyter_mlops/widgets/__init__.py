"""Notebook views (ipywidgets + plotly) over the core's figures."""
