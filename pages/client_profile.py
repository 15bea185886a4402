import streamlit as st

st.title("Client Profile")
st.info("The client's identity, prescription, coverage and orders will be here.")
