"""Data layer of the Integrationskonferenz dashboard. No Streamlit imports below here."""
