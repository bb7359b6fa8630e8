"""Streamlit-facing pieces shared by the pages."""
