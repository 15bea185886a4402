"""Streamlit glue shared by the pages: the process's database and small render helpers."""
