import streamlit as st

st.title("Metrics")
st.info("Order metrics for operations managers will be here: volume, revenue, grams, backlog and lead times.")
