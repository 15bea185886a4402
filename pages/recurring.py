import streamlit as st

st.title("Recurring Orders")
st.info("All recurring monthly orders will be listed here: templates, their next order date and the orders they generated.")
